#!/usr/bin/env bash
# Run THERE (the GPU machine), from the repository root, after benchmarks/gpu/publish.sh produced .device-pub/bench.tgz.
# One script for everything a GPU slot measures, in order of importance, each step's output in ${OUT:-./gpu-results}:
#   golden-check (CUDA logits/greedy vs the fixtures), gen-compare + hf_generate_bench.py (generation, same run),
#   reward-compare + hf_reward_bench.py (reward forward and BT step), plus-step (one PLUS step's breakdown).
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-./gpu-results}"; mkdir -p "$out"
work=$(mktemp -d); tar xzf .device-pub/bench.tgz -C "$work"
torchlib=$(python3 -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
export LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PLUS_BENCH_DEVICE=cuda PYTHONUNBUFFERED=1
B="$work/bench/Plus.Benchmarks"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
timeout 60 "$B" golden-check tests/fixtures/golden > "$out/golden-check.txt" 2>&1; echo "golden-check rc=$?"; tail -4 "$out/golden-check.txt"
batches="${BATCHES:-1,32,128}"
timeout 150 "$B" gen-compare --device cuda --batches "$batches" --repeats 2 > "$out/gen-plus.jsonl" 2>&1; echo "gen-compare rc=$?"; cat "$out/gen-plus.jsonl" | grep '^{'
timeout 150 python3 benchmarks/python/hf_generate_bench.py --device cuda --batches "$batches" --repeats 2 > "$out/gen-hf.jsonl" 2>&1; echo "hf generate rc=$?"; grep '^{' "$out/gen-hf.jsonl"
timeout 90 "$B" reward-compare --device cuda > "$out/reward-plus.jsonl" 2>&1; echo "reward-compare rc=$?"; grep '^{' "$out/reward-plus.jsonl"
timeout 90 python3 benchmarks/python/hf_reward_bench.py --device cuda > "$out/reward-hf.jsonl" 2>&1; echo "hf reward rc=$?"; grep '^{' "$out/reward-hf.jsonl"
timeout 90 "$B" plus-step --device cuda --steps 3 --batch 32 --summary-tokens 64 > "$out/plus-step.jsonl" 2>&1; echo "plus-step rc=$?"; tail -5 "$out/plus-step.jsonl"
