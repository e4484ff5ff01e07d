#!/usr/bin/env python3
"""Reference speed of a Hugging Face transformers reward model for the Plus.Torch comparison.

Same settings as `dotnet Plus.Benchmarks.dll reward-compare`: a Qwen2.5-0.5B-shaped Qwen2ForSequenceClassification
(num_labels 1, vocab 151936, hidden 896, intermediate 4864, 24 layers, 14 heads, 2 KV heads, tied embeddings) with
random weights, bf16 parameters, sdpa attention, random tokens without padding.

Measures (median and best of --repeats after --warmup, CUDA-synchronized):
  forward       no-grad forward of --forward-batch x --length tokens            -> sequences/s
  bt_step_full  Bradley-Terry step on --pairs pairs x --length (chosen and rejected in one forward of 2*pairs rows,
                loss -logsigmoid(r_c - r_r).mean(), backward, clip_grad_norm 1.0, torch.optim.AdamW lr 1e-6,
                betas (0.9, 0.95), every weight trained)                        -> pairs/s
  bt_step_lora  the same with a peft LoRA adapter (r 16, alpha 32, dropout 0, all seven projections, the score head in
                modules_to_save), AdamW over the trainable parameters only       -> pairs/s

Prints one JSON line per measurement. Reference recorded in the issue (H200): forward 32 x 512 42.0 ms,
BT step full 8 pairs x 512 78.6 ms.

Usage: python3 hf_reward_bench.py [--device cuda] [--forward-batch 32] [--pairs 8] [--length 512]
                                  [--repeats 5] [--warmup 2] [--lora-rank 16] [--no-lora]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
from transformers import Qwen2Config, Qwen2ForSequenceClassification


def build_model(args, dtype):
    config = Qwen2Config(
        vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
        num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
        max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1_000_000.0,
        bos_token_id=None, eos_token_id=None, pad_token_id=0, num_labels=1,
    )
    config._attn_implementation = "sdpa"
    torch.manual_seed(1)
    return Qwen2ForSequenceClassification(config).to(device=args.device, dtype=dtype)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--forward-batch", type=int, default=32)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--no-lora", action="store_true")
    parser.add_argument("--dtype", default="bfloat16")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    def measure(action):
        for _ in range(args.warmup):
            action()
        sync()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            action()
            sync()
            times.append(time.perf_counter() - start)
        return times

    def report(what, items, times, rate_name):
        median = statistics.median(times)
        print(json.dumps({
            "impl": "hf-transformers", "device": args.device, "dtype": args.dtype, "shape": "qwen0.5b",
            "length": args.length, "what": what, "batch": items,
            "ms_median": round(median * 1000, 2), "ms_best": round(min(times) * 1000, 2),
            rate_name: round(items / median, 1),
        }), flush=True)

    def batch(rows, seed):
        gen = torch.Generator().manual_seed(seed)
        ids = torch.randint(3, 151936, (rows, args.length), generator=gen).to(args.device)
        return ids, torch.ones_like(ids)

    def bt_step(model, optimizer, ids, mask, params):
        optimizer.zero_grad(set_to_none=True)
        rewards = model(input_ids=ids, attention_mask=mask).logits.squeeze(-1).float()
        half = rewards.shape[0] // 2
        loss = -F.logsigmoid(rewards[:half] - rewards[half:]).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    model = build_model(args, dtype)
    model.eval()
    ids, mask = batch(args.forward_batch, 3)

    def forward():
        with torch.no_grad():
            model(input_ids=ids, attention_mask=mask)

    report("forward", args.forward_batch, measure(forward), "sequences_per_s")

    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-6, betas=(0.9, 0.95), weight_decay=0.0)
    pair_ids, pair_mask = batch(2 * args.pairs, 4)
    report("bt_step_full", args.pairs, measure(lambda: bt_step(model, optimizer, pair_ids, pair_mask, params)), "pairs_per_s")
    del optimizer, model, params
    if args.device.startswith("cuda"):
        torch.cuda.empty_cache()

    if args.no_lora:
        return
    from peft import LoraConfig, TaskType, get_peft_model

    base = build_model(args, dtype)
    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=args.lora_rank, lora_alpha=2 * args.lora_rank, lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )
    model = get_peft_model(base, lora)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-6, betas=(0.9, 0.95), weight_decay=0.0)
    report("bt_step_lora", args.pairs, measure(lambda: bt_step(model, optimizer, pair_ids, pair_mask, params)), "pairs_per_s")


if __name__ == "__main__":
    main()
