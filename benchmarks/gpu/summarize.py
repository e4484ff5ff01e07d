#!/usr/bin/env python3
"""Summary table of a benchmarks/gpu/run-all.sh run (standard library only).

Reads the JSON lines that run-all.sh wrote under OUT (gen-plus.txt, gen-hf.txt, gen-plus-lora.txt, reward-plus.txt,
reward-hf.txt, plus-step.txt, op-count.txt, golden-check.txt, status.txt) and prints Markdown tables with the
issue-14 goals: generation >= 5x transformers at batch 1 and >= 3x at 32 and 128 (new tokens/s); reward forward and
BT step (full, LoRA) >= 1.0x (transformers' median time / ours). Missing measurements print as "n/a".

Usage: python3 benchmarks/gpu/summarize.py OUT
"""
import json
import os
import statistics
import sys


def lines(out, name):
    path = os.path.join(out, name + ".txt")
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def verdict(ratio, goal):
    if ratio is None:
        return "not measured"
    return "met" if ratio >= goal else "**not met**"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "./gpu-results"
    print(f"# run-all summary ({out})\n")
    gpu = os.path.join(out, "gpu.txt")
    if os.path.exists(gpu):
        with open(gpu, encoding="utf-8", errors="replace") as f:
            print("Machine: " + " / ".join(l.strip() for l in f if l.strip()) + "\n")
    status = os.path.join(out, "status.txt")
    if os.path.exists(status):
        with open(status, encoding="utf-8") as f:
            print("Stages: " + ", ".join(l.strip() for l in f if l.strip()) + "\n")

    golden = os.path.join(out, "golden-check.txt")
    if os.path.exists(golden):
        print("## golden-check\n")
        with open(golden, encoding="utf-8", errors="replace") as f:
            for l in f:
                if "max|dlogits|" in l:
                    print("- " + l.strip())
        print()

    print("## Generation (new tokens/s, sampled, prompt + new tokens as run)\n")
    print("| batch | Plus.Torch | Plus.Torch LoRA r16 | transformers | ratio | goal | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    plus = {r["batch"]: r for r in lines(out, "gen-plus")}
    lora = {r["batch"]: r for r in lines(out, "gen-plus-lora")}
    hf = {r["batch"]: r for r in lines(out, "gen-hf")}
    for batch in sorted(set(plus) | set(hf)):
        p = plus.get(batch, {}).get("new_tokens_per_s")
        l = lora.get(batch, {}).get("new_tokens_per_s")
        h = hf.get(batch, {}).get("new_tokens_per_s")
        ratio = p / h if p and h else None
        goal = 5.0 if batch == 1 else 3.0
        print(f"| {batch} | {fmt(p)} | {fmt(l)} | {fmt(h)} | {fmt(ratio, 2)} | >= {goal:g}x | {verdict(ratio, goal)} |")
    print()

    print("## Reward model (median ms; ratio = transformers / ours)\n")
    print("| what | batch | Plus.Torch ms | transformers ms | ratio | goal | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rp = {r["what"]: r for r in lines(out, "reward-plus")}
    rh = {r["what"]: r for r in lines(out, "reward-hf")}
    for what in ["forward", "bt_step_full", "bt_step_lora"]:
        p = rp.get(what, {}).get("ms_median")
        h = rh.get(what, {}).get("ms_median")
        batch = rp.get(what, rh.get(what, {})).get("batch", "")
        ratio = h / p if p and h else None
        print(f"| {what} | {batch} | {fmt(p, 2)} | {fmt(h, 2)} | {fmt(ratio, 2)} | >= 1.0x | {verdict(ratio, 1.0)} |")
    print()

    steps = lines(out, "plus-step")
    if steps:
        print("## PLUS step breakdown (seconds; mean over the steps after the first)\n")
        later = steps[1:] or steps
        keys = ["generation_seconds", "scoring_seconds", "ppo_seconds", "rm_seconds", "summaries_per_second"]
        print("| steps | batch | " + " | ".join(keys) + " |")
        print("| --- | --- | " + " | ".join("---" for _ in keys) + " |")
        vals = [fmt(statistics.mean(s[k] for s in later if k in s), 3) if any(k in s for s in later) else "n/a" for k in keys]
        print(f"| {len(later)} | {later[0].get('batch', '')} | " + " | ".join(vals) + " |")
        print()

    ops = lines(out, "op-count")
    if ops:
        print("## Ops and host syncs (tensors created ~ out-of-place native ops; per decode step, per forward, per step)\n")
        print("| what | tensors created | host syncs | ms |")
        print("| --- | --- | --- | --- |")
        for r in ops:
            print(f"| {r['what']} | {fmt(r.get('tensors_created'))} | {fmt(r.get('host_syncs'), 3)} | {fmt(r.get('ms'), 2)} |")
        print()


if __name__ == "__main__":
    main()
