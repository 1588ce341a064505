# tests/reliability/tiny_run.sh — sourced by the reliability scripts: a tiny study (4 synthetic
# 384² images, N = 29, a 4-filter Detector) whose training takes seconds, the run's options in
# RUN, a reference run never interrupted in ./straight, and the check that another run folder
# finished bit-identical to it. Expects M (the mcseg binary) and the working folder as current.
"$M" synth --seed 5 --count 4 --width 384 --height 384 --out imgs > /dev/null 2>&1
"$M" patches --images imgs --patch 29 --db p.db > /dev/null 2>&1
RUN=(--net detector --patch 29 --filters 4 --batch 16 --steps "$STEPS" --eval-every 20 --val-per-class 20
     --db p.db --device cpu)
export OMP_NUM_THREADS=2
"$M" train "${RUN[@]}" --out straight > /dev/null 2>&1

# same_as_straight DIR WHAT: weights, checkpoint and log (but its samples/s) equal the reference's.
same_as_straight() {
    for f in best.safetensors checkpoint.safetensors; do
        cmp straight/$f "$1/$f" || { echo "$f differs from the uninterrupted run after $2"; exit 1; }
    done
    local a b
    a=$(sed 's/"samples_per_s":[^,}]*//' straight/log.jsonl)
    b=$(sed 's/"samples_per_s":[^,}]*//' "$1/log.jsonl")
    [ "$a" = "$b" ] || { echo "log.jsonl differs after $2"; diff <(echo "$a") <(echo "$b") | head; exit 1; }
}
