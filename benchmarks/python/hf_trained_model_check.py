"""Loads Plus.Sdk trained-model folders with transformers/PEFT and compares their reward scores with ours.

    python3 benchmarks/python/hf_trained_model_check.py DIR [DIR ...]

Each DIR is a folder written by `Plus.Benchmarks trained-model-export` (a saved model with plus.json and scores.json).
The reward model is opened as the manifest says: a transformers *ForSequenceClassification folder, or the base model
plus the PEFT adapter (score restored from modules_to_save). Every text of scores.json is scored alone (no padding) and
one JSON line per folder is printed: {"impl": "transformers", "model", "format", "n", "max_abs_diff"}.
"""
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def load(root):
    manifest = json.load(open(f"{root}/plus.json"))
    entry = manifest["reward_model"]
    path = f"{root}/{entry['path']}"
    if entry["format"] == "hf-sequence-classification":
        model = AutoModelForSequenceClassification.from_pretrained(path, torch_dtype=torch.float32)
    elif entry["format"] == "peft-lora":
        from peft import PeftModel
        base = AutoModelForSequenceClassification.from_pretrained(entry["base_model"]["name_or_path"], num_labels=1, torch_dtype=torch.float32)
        model = PeftModel.from_pretrained(base, path)
    else:
        raise SystemExit(f"{root}: reward_model.format {entry['format']} is not a transformers format")
    return manifest, entry["format"], model.eval(), AutoTokenizer.from_pretrained(path)


def main(dirs):
    for root in dirs:
        manifest, fmt, model, tok = load(root)
        ours = json.load(open(f"{root}/scores.json"))["scores"]
        worst = 0.0
        with torch.no_grad():
            for item in ours:
                ids = tok(item["text"], return_tensors="pt", add_special_tokens=False)
                theirs = model(**ids).logits[0, 0].item()
                worst = max(worst, abs(theirs - item["score"]))
        print(json.dumps({"impl": "transformers", "model": manifest["method"], "dir": root, "format": fmt, "n": len(ours), "max_abs_diff": worst}))


if __name__ == "__main__":
    main(sys.argv[1:])
