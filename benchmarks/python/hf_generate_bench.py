#!/usr/bin/env python3
"""Reference throughput of Hugging Face transformers `generate` for the Plus.Torch comparison.

Same settings as `dotnet Plus.Benchmarks.dll gen-compare`: a Qwen2.5-0.5B-shaped Qwen2ForCausalLM with random
weights (vocab 151936, hidden 896, intermediate 4864, 24 layers, 14 heads, 2 KV heads, tied embeddings), bf16,
sdpa attention, sampling with temperature 1.0 and top-k 50, prompt 128 random tokens, exactly 128 new tokens
(no end-of-sequence), batch sizes 1, 32 and 128. Prints one JSON line per batch size.

Usage: python3 hf_generate_bench.py [--device cuda] [--batches 1,32,128] [--prompt 128] [--new 128] [--repeats 3]
"""
import argparse
import json
import statistics
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batches", default="1,32,128")
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--new", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--dtype", default="bfloat16")
    args = parser.parse_args()

    dtype = getattr(torch, args.dtype)
    config = Qwen2Config(
        vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
        num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
        max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1_000_000.0,
        bos_token_id=None, eos_token_id=None, pad_token_id=0,
    )
    config._attn_implementation = "sdpa"
    torch.manual_seed(1)
    model = Qwen2ForCausalLM(config).to(device=args.device, dtype=dtype).eval()

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    for batch in [int(b) for b in args.batches.split(",")]:
        gen = torch.Generator().manual_seed(7)
        ids = torch.randint(3, config.vocab_size, (batch, args.prompt), generator=gen).to(args.device)
        mask = torch.ones_like(ids)
        kwargs = dict(attention_mask=mask, do_sample=True, temperature=1.0, top_k=50, top_p=1.0,
                      max_new_tokens=args.new, min_new_tokens=args.new, pad_token_id=0)
        with torch.inference_mode():
            for _ in range(args.warmup):
                model.generate(ids, **kwargs)
            sync()
            times = []
            new_tokens = 0
            for _ in range(args.repeats):
                start = time.perf_counter()
                out = model.generate(ids, **kwargs)
                sync()
                times.append(time.perf_counter() - start)
                new_tokens = out.shape[1] - args.prompt
        median = statistics.median(times)
        print(json.dumps({
            "impl": "hf-transformers", "device": args.device, "dtype": args.dtype, "shape": "qwen0.5b",
            "batch": batch, "prompt": args.prompt, "new_tokens": new_tokens,
            "seconds_median": round(median, 4), "seconds_best": round(min(times), 4),
            "new_tokens_per_s": round(batch * new_tokens / median, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
