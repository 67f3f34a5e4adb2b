"""Export the trained decoder + in-graph neural-cache mixture to a transformers.js model folder.
Usage: /usr/bin/python3 tools/model/py/export.py OUTDIR TOKDIR TOKENS.bin [CKPT] [--mix MIX.json] [--version v1]
                                                [--neural-only] [--random] [--fold-copy PATH] [--assoc ASSOC.pt]
Writes OUTDIR/{config.json, generation_config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx}.
 - inputs:  input_ids, attention_mask  (int64 [batch, seq]); positions are derived in-graph from the mask
            (cumsum - 1), so left or right padding both work.
 - output:  logits = NORMALIZED log-probs of the mixture (config "logits_are_log_probs": true).
 - onnx/model.onnx is exported WITHOUT constant folding (the tied embedding is stored once: smaller file);
   a constant-folded copy (tied head as its own MatMul initializer) is written to --fold-copy for quantize.py.
 - --assoc: the code-to-description association component (train_assoc.py), mixed in with weight lam_a.
 - --neural-only: the decoder alone (log-softmax), for the benchmark. --random: untrained weights (seed 0)."""
import argparse, json, os, shutil, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, TinyLlama, MixtureLM, DEFAULT_MIX, load_ckpt
from classes import token_classes

ap = argparse.ArgumentParser()
ap.add_argument("outdir"); ap.add_argument("tokdir"); ap.add_argument("tokens"); ap.add_argument("ckpt", nargs="?")
ap.add_argument("--mix", default=None, help="JSON file with lam_n, lam_c, lam_k, lam_u, beta, alpha")
ap.add_argument("--version", default="dev")
ap.add_argument("--neural-only", action="store_true")
ap.add_argument("--random", action="store_true")
ap.add_argument("--fold-copy", default=None)
ap.add_argument("--assoc", default=None, help="association component checkpoint (train_assoc.py); needs lam_a > 0")
ap.add_argument("--opset", type=int, default=14)
ap.add_argument("--max-tokens", type=int, default=1024)
a = ap.parse_args()

tok = json.load(open(os.path.join(a.tokdir, "tokenizer.json")))
eos = tok["added_tokens"][0]["id"]
V = len(tok["model"]["vocab"]) + sum(1 for t in tok["added_tokens"] if t["content"] not in tok["model"]["vocab"])
train_info = {}
if a.random or not a.ckpt:  # untrained weights, same architecture as the checkpoint when one is given
    cfg0 = Cfg(**torch.load(a.ckpt, map_location="cpu")["cfg"]) if a.ckpt else Cfg(vocab_size=V)
    torch.manual_seed(0)
    lm = TinyLlama(cfg0)
else:
    ck = torch.load(a.ckpt, map_location="cpu")
    train_info = ck.get("train", {})
    lm = load_ckpt(a.ckpt)
lm.eval()
c = lm.c
assert c.vocab_size == V, (c.vocab_size, V)

cls, n_cls = token_classes(tok)
data = np.memmap(a.tokens, dtype=np.uint16, mode="r")[:-300_000]  # unigram over the training part only
uni = torch.from_numpy(np.bincount(data, minlength=V).astype(np.float64) + 0.5)
mix = dict(DEFAULT_MIX)
if a.mix:
    mix.update(json.load(open(a.mix)))
if a.neural_only:
    mix = dict(DEFAULT_MIX)
assoc = None
if a.assoc and not a.neural_only and mix.get("lam_a", 0) > 0:
    from train_assoc import load_assoc
    assoc = load_assoc(a.assoc)
assert mix.get("lam_a", 0) == 0 or assoc is not None, "lam_a > 0 needs --assoc"
model = MixtureLM(lm, torch.tensor(cls), uni, mix, assoc=assoc).eval()

os.makedirs(os.path.join(a.outdir, "onnx"), exist_ok=True)
for f in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(os.path.join(a.tokdir, f), os.path.join(a.outdir, f))
cfg = c.hf_config(eos)
cfg["max_position_embeddings"] = a.max_tokens
cfg["logits_are_log_probs"] = True
kind = "random" if a.random else ("neural" if a.neural_only else "mixture")
cfg["contextzip"] = {
    "maxTokens": a.max_tokens,
    "trainedContext": int(train_info.get("seq") or 512),          # main training window
    "finalPhaseContext": int(train_info.get("seq2") or 0) or None,  # short last phase at this window (positions up to it seen)
    "version": a.version,
    "kind": kind,
    "inputs": ["input_ids", "attention_mask"],
    "output": "logits = normalized natural-log probabilities of the next token (log-softmax already applied)",
    "mixture": {k: mix[k] for k in ("lam_n", "lam_c", "lam_k", "lam_u", "lam_a", "beta", "alpha")} | {
        "formula": "p = lam_n*p_n + lam_c*p_n*(cache+beta)/Z_c + lam_k*p_n*(copy+beta)/Z_k + lam_u*(cache*r + alpha*uni)/(n+alpha)"
                   " + lam_a*r*softmax(E_out . mean(E_in[cls(x..t)]) + b)[cls]",
        "association": ({"dim": int(assoc.e_in.weight.shape[1]), "trainingPairs": int(torch.load(a.assoc)["pairs"])}
                        if assoc is not None else None),
        "classes": n_cls,
        "classRule": "token text lower-cased, surrounding whitespace stripped; tokens without letters/digits keep their own class",
    },
    "training": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in train_info.items()},
}
json.dump(cfg, open(os.path.join(a.outdir, "config.json"), "w"), indent=2)
json.dump({"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos}, open(os.path.join(a.outdir, "generation_config.json"), "w"), indent=2)

ids = torch.randint(0, V, (2, 16))
am = torch.ones_like(ids)
dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
       "logits": {0: "batch_size", 1: "sequence_length"}}
path = os.path.join(a.outdir, "onnx", "model.onnx")
kw = dict(input_names=["input_ids", "attention_mask"], output_names=["logits"], dynamic_axes=dyn, opset_version=a.opset)
with torch.no_grad():
    torch.onnx.export(model, (ids, am), path, do_constant_folding=False, **kw)
    if a.fold_copy:
        torch.onnx.export(model, (ids, am), a.fold_copy, do_constant_folding=True, **kw)
print(json.dumps({"outdir": a.outdir, "kind": kind, "params": sum(p.numel() for p in lm.parameters()),
                  "onnx_bytes": os.path.getsize(path), "classes": n_cls, "mix": mix}))
