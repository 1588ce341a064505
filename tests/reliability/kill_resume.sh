#!/usr/bin/env bash
# tests/reliability/kill_resume.sh MCSEG — kill -9 a training run at random moments, resume it
# each time, and check that the finished run is bit-identical to one never interrupted.
#
# The tiny study of tiny_run.sh keeps it to a few seconds a run. A kill can land anywhere:
# before the first checkpoint (the run is then started afresh), inside a checkpoint write (a
# stale temporary that the resume removes), between a log line and its checkpoint (the resume
# cuts the log back). The kill moments come from a fixed seed, so a failure can be replayed.
set -euo pipefail
M=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
STEPS=400
source "$HERE/tiny_run.sh"

# Kill moments follow the run's progress, not the clock, so a fast or a loaded machine sees the
# same test: the first kill 0.3 s after the start (before the first checkpoint: the run starts
# afresh), then five more, each 1-3 evaluations after the last resume plus 0-0.9 s. A resume
# that fails is the test's failure.
RANDOM=18
start() {
    if [ -f killed/checkpoint.safetensors ]; then "$M" train --resume killed > killed.log 2>&1 &
    else "$M" train "${RUN[@]}" --out killed > killed.log 2>&1 &
    fi
    pid=$!
}
evaluations() { if [ -f killed/log.jsonl ]; then wc -l < killed/log.jsonl; else echo 0; fi; }
kill_now() {
    kill -0 "$pid" 2> /dev/null || return 1  # it ended by itself
    kill -9 "$pid"
    wait "$pid" 2> /dev/null || true
    kills=$((kills + 1))
    start
}
kills=0
start
sleep 0.3
kill_now
while [ "$kills" -lt 6 ]; do
    target=$(( $(evaluations) + RANDOM % 3 + 1 ))
    while [ "$(evaluations)" -lt "$target" ] && kill -0 "$pid" 2> /dev/null; do sleep 0.05; done
    sleep "0.$(( RANDOM % 10 ))"
    kill_now || break
done
wait "$pid" || { echo "the run failed after $kills kills:"; tail -3 killed.log; exit 1; }

same_as_straight killed "$kills kills"
ls -a killed | grep -q '\.tmp-' && { echo "a temporary file was left in the run folder"; exit 1; }
[ "$kills" -ge 4 ] || { echo "only $kills kills landed: the test did not test"; exit 1; }
echo "bit-identical after $kills kill -9s"
