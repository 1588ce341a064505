#!/usr/bin/env bash
# tests/reliability/kill_resume.sh MCSEG — kill -9 a training run at random moments, resume it
# each time, and check that the finished run is bit-identical to one never interrupted.
#
# A tiny study (4 synthetic 384² images, N = 29, 4 filters) keeps it to a few seconds a run. A
# kill can land anywhere: before the first checkpoint (the run is then started afresh), inside
# a checkpoint write (a stale temporary that the resume removes), between a log line and its
# checkpoint (the resume cuts the log back). The kill moments come from a fixed seed, so a
# failure can be replayed.
set -euo pipefail
M=$(realpath "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$M" synth --seed 5 --count 4 --width 384 --height 384 --out imgs > /dev/null 2>&1
"$M" patches --images imgs --patch 29 --db p.db > /dev/null 2>&1
RUN=(--net detector --patch 29 --filters 4 --batch 16 --steps 400 --eval-every 20 --val-per-class 20
     --db p.db --device cpu)
export OMP_NUM_THREADS=2

"$M" train "${RUN[@]}" --out straight > /dev/null 2>&1

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

for f in best.safetensors checkpoint.safetensors log.jsonl; do
    if [ "$f" = log.jsonl ]; then
        # samples_per_s differs between runs; every other figure must be identical
        a=$(sed 's/"samples_per_s":[^,}]*//' straight/$f); b=$(sed 's/"samples_per_s":[^,}]*//' killed/$f)
        [ "$a" = "$b" ] || { echo "log.jsonl differs after $kills kills"; diff <(echo "$a") <(echo "$b") | head; exit 1; }
    else
        cmp straight/$f killed/$f || { echo "$f differs after $kills kills"; exit 1; }
    fi
done
ls -a killed | grep -q '\.tmp-' && { echo "a temporary file was left in the run folder"; exit 1; }
[ "$kills" -ge 4 ] || { echo "only $kills kills landed: the test did not test"; exit 1; }
echo "bit-identical after $kills kill -9s"
