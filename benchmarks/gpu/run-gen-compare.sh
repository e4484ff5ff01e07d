#!/usr/bin/env bash
# Run THERE (the GPU machine, which has Python with torch + transformers and no .NET SDK), from the repository root,
# after benchmarks/gpu/publish.sh produced .device-pub/bench.tgz here. Writes results to ${OUT:-./gpu-results}.
#   1. golden-check: the tiny fixtures' logits and greedy tokens on CUDA (fp32 and bf16) against transformers';
#   2. gen-compare: Plus.Torch sampled generation, batch 1/32/128, prompt 128, 128 new tokens, bf16;
#   3. hf_generate_bench.py: transformers generate with the same settings, in the same run.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-./gpu-results}"; mkdir -p "$out"
work=$(mktemp -d); tar xzf .device-pub/bench.tgz -C "$work"
torchlib=$(python3 -c "import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))")
export LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PLUS_BENCH_DEVICE=cuda
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
batches="${BATCHES:-1,32,128}"
"$work/bench/Plus.Benchmarks" golden-check tests/fixtures/golden 2>&1 | tee "$out/golden-check.txt"
"$work/bench/Plus.Benchmarks" gen-compare --device cuda --batches "$batches" 2>&1 | tee "$out/plus.jsonl"
python3 benchmarks/python/hf_generate_bench.py --device cuda --batches "$batches" 2>&1 | tee "$out/hf.jsonl"
