#!/usr/bin/env bash
# tests/gpu/gpu_suite.sh OUTDIR — the whole GPU suite in one go, on a machine with an NVIDIA GPU,
# CUDA 13, cuDNN, cuBLAS, compute-sanitizer and PyTorch (no package registry needed); writes ONE
# JSON report, OUTDIR/gpu_report.json.
#
# The programs are built elsewhere with nvcc and the build folder copied over:
#   cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMCSEG_NATIVE=OFF
#   ninja -C build-gpu mcseg_gpu_tests mcseg_gpu_cudnn mcseg_gpu_train
# then, on the GPU machine, from a copy of the repository holding that folder:
#   MCSEG_GPU_BUILD=build-gpu tests/gpu/gpu_suite.sh /tmp/out        (default build-gpu)
# (MCSEG_PYTHON names the Python with PyTorch, default python3.)
#
# Steps (each bounded by `timeout`, and all together by a time budget, so one hang cannot lose
# the report; a few minutes normally):
#   1. parity: the tests/test_cuda_*.cpp suites (every backend op, training steps) on the GPU;
#   2. cuDNN / cuBLAS: results and timings (mcseg_gpu_cudnn, exhaustive algorithm search);
#   3. training step (batch 256) and inference throughput (batch 4096): ours (tiled GEMM and
#      cuBLAS GEMM) and PyTorch's on the same GPU (tests/gpu/torch_peer.py);
#   4. compute-sanitizer memcheck over the whole parity suite, racecheck over the op tests.
# Ratios in the report are always our time / the peer's time (below 1: we are faster).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: tests/gpu/gpu_suite.sh OUTDIR" >&2; exit 2; }
out="$1"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")/../.."
build="${MCSEG_GPU_BUILD:-build-gpu}"
bin="$build/tests/gpu"
for p in mcseg_gpu_tests mcseg_gpu_cudnn mcseg_gpu_train; do
  [ -x "$bin/$p" ] || { echo "gpu_suite: $bin/$p missing (see the build steps in this script)" >&2; exit 2; }
done
export PATH="/usr/local/cuda/bin:$PATH"
export LD_LIBRARY_PATH="/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# step NAME SECONDS CMD... : runs CMD with a time limit, output in $work/NAME.log, exit status
# in $work/NAME.rc and duration in $work/NAME.s. The limit is cut to what is left of the whole
# suite's budget (MCSEG_GPU_SUITE_SECONDS, default 540: a 10-minute call with room for the
# report); a step with no time left is skipped (exit status 125).
budget="${MCSEG_GPU_SUITE_SECONDS:-540}"
step() {
  local name="$1" limit="$2"
  shift 2
  local left=$((budget - SECONDS - 10))
  if ((left < 5)); then
    echo "gpu_suite: $name skipped (time budget)" >&2
    echo 125 >"$work/$name.rc"; echo 0 >"$work/$name.s"; echo "skipped: time budget" >"$work/$name.log"
    return
  fi
  ((limit > left)) && limit=$left
  local t0=$SECONDS
  echo "gpu_suite: $name (at most ${limit}s)" >&2
  timeout "$limit" "$@" >"$work/$name.log" 2>&1
  echo $? >"$work/$name.rc"
  echo $((SECONDS - t0)) >"$work/$name.s"
}

# Most important first: the sanitizers are slow and run last, on what time is left.
step parity 120 "$bin/mcseg_gpu_tests" --no-colors=true
step cudnn 180 "$bin/mcseg_gpu_cudnn" "$work/cudnn.json"
step train_tiled 60 "$bin/mcseg_gpu_train"
step train_cublas 60 "$bin/mcseg_gpu_train" --gemm cublas
step torch 120 "${MCSEG_PYTHON:-python3}" tests/gpu/torch_peer.py
if command -v compute-sanitizer >/dev/null; then
  step memcheck 150 compute-sanitizer --tool memcheck --error-exitcode 1 \
    "$bin/mcseg_gpu_tests" --no-colors=true
  # racecheck looks at shared memory: the op tests cover every kernel that uses it.
  step racecheck 150 compute-sanitizer --tool racecheck --racecheck-report all --error-exitcode 1 \
    "$bin/mcseg_gpu_tests" --no-colors=true -tce="*training*"
fi

python3 - "$work" "$out/gpu_report.json" <<'PY'
import json, os, re, subprocess, sys

work, dest = sys.argv[1], sys.argv[2]

def text(name):
    p = os.path.join(work, name)
    return open(p, errors="replace").read() if os.path.exists(p) else None

def status(name):
    rc, s = text(name + ".rc"), text(name + ".s")
    if rc is None:
        return {"ran": False}
    st = {"ran": True, "exit_code": int(rc), "seconds": int(s)}
    if int(rc) == 124:
        st["timed_out"] = True
    if int(rc) == 125:
        st["skipped"] = "time budget"
    if int(rc) != 0:
        st["log_tail"] = (text(name + ".log") or "")[-3000:]
    return st

def json_from(name, log=True):
    raw = text(name) if not log else text(name + ".log")
    if raw is None:
        return None
    start = raw.find("{")
    try:
        return json.loads(raw[start:]) if start >= 0 else None
    except ValueError:
        return None

report = {"suite": "mcseg gpu_suite"}
try:
    report["gpu"] = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                                    "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
except OSError:
    report["gpu"] = None
try:
    report["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or None
except OSError:
    report["commit"] = None

parity = status("parity")
m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", text("parity.log") or "")
if m:
    parity.update(test_cases=int(m[1]), passed=int(m[2]), failed=int(m[3]))
m = re.search(r"assertions:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", text("parity.log") or "")
if m:
    parity.update(assertions=int(m[1]), assertions_failed=int(m[3]))
parity["ok"] = parity.get("exit_code") == 0
report["parity_tests"] = parity

san = {}
for tool in ("memcheck", "racecheck"):
    st = status(tool)
    log = text(tool + ".log") or ""
    m = re.search(r"ERROR SUMMARY: (\d+) error", log) or re.search(r"RACECHECK SUMMARY: (\d+) hazard", log)
    if m:
        st["errors" if tool == "memcheck" else "hazards"] = int(m[1])
    st["ok"] = st.get("exit_code") == 0
    san[tool] = st
report["compute_sanitizer"] = san

cud = status("cudnn")
cud["report"] = json_from("cudnn.json", log=False)
report["cudnn_cublas"] = cud
if cud["report"]:
    rows = cud["report"].get("conv_timing_n49_same", [])
    report["conv_ratio_vs_cudnn"] = [
        {"layer": r["layer"], "batch": r["batch"],
         **{op: round(r[op]["ratio"], 3) for op in ("forward", "backward_data", "backward_filter")}}
        for r in rows]

ours = {"tiled_gemm": json_from("train_tiled"), "cublas_gemm": json_from("train_cublas")}
torch = json_from("torch")
report["train_and_inference"] = {"ours": ours, "pytorch": torch,
                                 "status": {k: status(k) for k in ("train_tiled", "train_cublas", "torch")}}
if torch and ours["tiled_gemm"]:
    o, t = ours["tiled_gemm"], torch["fp32"]
    report["ratios_vs_pytorch_fp32"] = {
        "train_step_time": o["train_step_ms"] / t["train_step_ms"],
        "inference_time": t["infer_patches_per_s"] / o["infer_patches_per_s"]}
    d = torch["default"]
    report["ratios_vs_pytorch_default_tf32"] = {
        "train_step_time": o["train_step_ms"] / d["train_step_ms"],
        "inference_time": d["infer_patches_per_s"] / o["infer_patches_per_s"]}

report["all_ok"] = bool(parity["ok"] and all(s["ok"] for s in san.values() if s.get("ran"))
                        and cud.get("exit_code") == 0)
with open(dest + ".tmp", "w") as f:
    json.dump(report, f, indent=2)
os.replace(dest + ".tmp", dest)
print(dest)
PY
