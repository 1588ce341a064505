#!/usr/bin/env bash
# tests/reliability/full_disk.sh MCSEG — a training run whose disk fills up stops with a
# one-line error, and once space is free again `train --resume` finishes it bit-identically to
# a run that never ran short. Needs a small tmpfs (root, and a machine that lets us mount one);
# skipped (exit 77) otherwise.
set -euo pipefail
M=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
W=$(mktemp -d)
cleanup() { umount "$W/disk" 2> /dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
mkdir disk
if ! mount -t tmpfs -o size=400k tmpfs disk 2> /dev/null; then
    echo "skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
    exit 77
fi
STEPS=100
source "$HERE/tiny_run.sh"

# 400 KB hold one checkpoint (174 KB), the best weights and the curves, not a second
# checkpoint's temporary copy beside the first.
if "$M" train "${RUN[@]}" --out disk/run > full.log 2>&1; then
    echo "the run finished on a full disk"; exit 1
fi
lines=$(grep -c . full.log || true)
grep -q "error: .*No space left on device\|error: .*disk full" full.log ||
    { echo "no clear disk-full error:"; cat full.log; exit 1; }
tail -1 full.log | grep -q "error:" || { echo "the error is not the last line"; exit 1; }
mount -o remount,size=8m disk
"$M" train --resume disk/run > resume.log 2>&1 || { echo "resume failed:"; tail -3 resume.log; exit 1; }
same_as_straight disk/run "a full disk"
echo "disk full: one-line error ($lines lines of output), resumed bit-identically"
