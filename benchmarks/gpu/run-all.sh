#!/usr/bin/env bash
# Every measurement of issue 14 in one call, from the repository root, results under ${OUT:-./gpu-results}:
#   1. golden-check      CUDA logits and greedy tokens of the tiny fixtures against transformers' (fp32 <= 1e-4)
#   2. gen-compare       Plus.Torch sampled generation, prompt 128 + 128 new tokens, batch 1/32/128 (bf16)
#      hf_generate_bench transformers generate, same settings, same run
#      gen-compare LoRA  the largest batch again with a LoRA adapter (r 16, fused projections), Plus.Torch only
#   3. reward-compare    reward forward 32 x 512, BT step 8 pairs x 512 full and LoRA
#      hf_reward_bench   transformers (+ peft), same settings
#   4. plus-step         PLUS co-training steps' breakdown (generation, scoring, PPO, reward model), batch 32
#   5. op-count          tensors created, host syncs and ms per decode step / reward forward / BT-step phase
#   6. summary           benchmarks/gpu/summarize.py prints the tables (also written to $OUT/summary.md)
# Stages run in that order (most important first) under one deadline, DEADLINE seconds (default 540) from the
# start: each stage's timeout is cut to what is left, a stage that cannot get 20 s is skipped, and the summary
# always runs. Call it with a device timeout of at least DEADLINE + 30 s.
#
# GPU machine (Python with torch + transformers + peft, no .NET SDK): run benchmarks/gpu/publish.sh on the
# development machine first; this script unpacks .device-pub/bench.tgz and runs against PyTorch's CUDA libraries.
#   benchmarks/gpu/run-all.sh
# Dry run on a CPU (every stage with tiny sizes; the Python stages are skipped when torch is missing):
#   benchmarks/gpu/run-all.sh --dry-run        (or DEVICE=cpu benchmarks/gpu/run-all.sh)
# It then uses the Release build of benchmarks/Plus.Benchmarks (dotnet build -c Release) when there is one, else the
# tarball; BENCH=<unpacked tarball>/bench/Plus.Benchmarks dry-runs the trimmed publish itself (on Debian 12 copy the
# build's patched runtimes/linux-x64/native/libLibTorchSharp.so next to it and put that native folder on
# LD_LIBRARY_PATH: the tarball carries TorchSharp's unpatched library and no libtorch).
# Knobs: BATCHES (default 1,32,128), STAGES (default all: golden,ops,gen,reward,plus), BENCH (a command that runs
# Plus.Benchmarks, overriding both).
set -uo pipefail
cd "$(dirname "$0")/../.."
DEVICE="${DEVICE:-cuda}"
for arg in "$@"; do
  case "$arg" in
    --dry-run) DEVICE=cpu ;;
    *) echo "unknown argument '$arg' (use --dry-run)"; exit 2 ;;
  esac
done
out="${OUT:-./gpu-results}"; mkdir -p "$out"
stages="${STAGES:-golden,ops,gen,reward,plus,trained}"
want() { [[ ",$stages," == *",$1,"* ]]; }
start=$(date +%s)
deadline="${DEADLINE:-540}"
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }

if [[ -n "${BENCH:-}" ]]; then
  B="$BENCH"
elif [[ "$DEVICE" == cpu && -f benchmarks/Plus.Benchmarks/bin/Release/net10.0/Plus.Benchmarks.dll ]]; then
  B="dotnet benchmarks/Plus.Benchmarks/bin/Release/net10.0/Plus.Benchmarks.dll"
elif [[ -f .device-pub/bench.tgz ]]; then
  work=$(mktemp -d); tar xzf .device-pub/bench.tgz -C "$work"
  B="$work/bench/Plus.Benchmarks"
else
  echo "No .device-pub/bench.tgz (run benchmarks/gpu/publish.sh) and no Release build for a dry run."; exit 2
fi

if [[ "$DEVICE" == cuda ]]; then
  torchlib=$(python3 -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
  export LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/gpu.txt" 2>&1
  python3 -c "import torch,transformers;print('torch',torch.__version__,'cuda',torch.version.cuda,'transformers',transformers.__version__)" >> "$out/gpu.txt" 2>&1
  batches="${BATCHES:-1,32,128}"; prompt=128; new=128; repeats=2
  shape=qwen0.5b; fb=32; pairs=8; len=512; steps=3; pbatch=32; stoks=64
  opshape=qwen0.5b; opbatch=32; oplen=512; oppairs=8; opprompt=128; optext=16
else
  echo "dry run on the CPU: $(nproc) cores" > "$out/gpu.txt"
  batches="${BATCHES:-1,2}"; prompt=8; new=4; repeats=1
  shape=small; fb=2; pairs=2; len=16; steps=1; pbatch=2; stoks=4
  opshape=small; opbatch=2; oplen=16; oppairs=2; opprompt=8; optext=2
fi
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PLUS_BENCH_DEVICE="$DEVICE" PYTHONUNBUFFERED=1
has_torch=0; python3 -c "import torch, transformers" >/dev/null 2>&1 && has_torch=1
cat "$out/gpu.txt"

# run NAME SECONDS CMD...: output to $out/NAME.txt, status to $out/status.txt
run() {
  local name=$1 limit=$2; shift 2
  local left=$(( deadline - ($(date +%s) - start) - 10 ))
  if (( left < 20 )); then skip "$name" "deadline (${deadline}s) reached"; return 0; fi
  (( limit > left )) && limit=$left
  stamp "$name (limit ${limit}s)"
  timeout "$limit" "$@" > "$out/$name.txt" 2>&1
  local rc=$?
  echo "$name rc=$rc" | tee -a "$out/status.txt"
  grep '^{' "$out/$name.txt" | tail -n 20
  [[ $rc -ne 0 ]] && tail -n 5 "$out/$name.txt"
  return 0
}
skip() { echo "$1 skipped: $2" | tee -a "$out/status.txt"; }
: > "$out/status.txt"

want golden && run golden-check 90 $B golden-check tests/fixtures/golden --device "$DEVICE"
if want gen; then
  run gen-plus 180 $B gen-compare --device "$DEVICE" --shape "$shape" --batches "$batches" --prompt $prompt --new $new --repeats $repeats
  if [[ $has_torch == 1 ]]; then
    run gen-hf 180 python3 benchmarks/python/hf_generate_bench.py --device "$DEVICE" --batches "$batches" --prompt $prompt --new $new --repeats $repeats
  else skip gen-hf "python3 has no torch/transformers here"; fi
  run gen-plus-lora 90 $B gen-compare --device "$DEVICE" --shape "$shape" --batches "${batches##*,}" --prompt $prompt --new $new --repeats 1 --lora-rank 16
fi
if want reward; then
  run reward-plus 120 $B reward-compare --device "$DEVICE" --shape "$shape" --forward-batch $fb --pairs $pairs --length $len
  if [[ $has_torch == 1 ]]; then
    run reward-hf 120 python3 benchmarks/python/hf_reward_bench.py --device "$DEVICE" --forward-batch $fb --pairs $pairs --length $len
  else skip reward-hf "python3 has no torch/transformers here"; fi
fi
want plus && run plus-step 150 $B plus-step --device "$DEVICE" --shape "$shape" --steps $steps --batch $pbatch --summary-tokens $stoks
if want trained; then
  # A saved trained model (full and LoRA reward model) opened by transformers/PEFT gives our scores (docs/trained-models.md).
  run trained-export 120 $B trained-model-export --model tests/fixtures/tiny-chat --out "$out/trained"
  if [[ $has_torch == 1 ]]; then
    run trained-hf 120 python3 benchmarks/python/hf_trained_model_check.py "$out/trained/btl-full" "$out/trained/btl-lora"
  else skip trained-hf "python3 has no torch/transformers here"; fi
fi
want ops && run op-count 120 $B op-count --device "$DEVICE" --shape "$opshape" --batch "$opbatch" --prompt "$opprompt" --length "$oplen" --pairs "$oppairs" --text-pairs "$optext"

stamp "summary"
python3 benchmarks/gpu/summarize.py "$out" | tee "$out/summary.md"
stamp "done"
