"""PyTorch log-probs of the exported model (decoder + mixture exactly as configured in MODEL_DIR/config.json).
Usage: /usr/bin/python3 tools/model/py/torch_logprobs.py MODEL_DIR CKPT TOKDIR TOKENS.bin [ASSOC.pt]  < {"ids": [...]}  -> {"logprobs": [...]}
logprobs[t-1] = log p(ids[t] | ids[:t]) for t = 1..n-1. Used by tools/model/check_parity.mjs."""
import json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import MixtureLM, TinyLlama, Cfg, load_ckpt
from classes import token_classes

mdir, ckpt, tokdir, tokens = sys.argv[1:5]
cfg = json.load(open(os.path.join(mdir, "config.json")))
cz = cfg["contextzip"]
tok = json.load(open(os.path.join(tokdir, "tokenizer.json")))
if cz["kind"] == "random":
    torch.manual_seed(0)
    lm = TinyLlama(Cfg(**torch.load(ckpt, map_location="cpu")["cfg"]))
else:
    lm = load_ckpt(ckpt)
lm.eval()
V = lm.c.vocab_size
cls, _ = token_classes(tok)
uni = torch.from_numpy(np.bincount(np.memmap(tokens, dtype=np.uint16, mode="r")[:-300_000], minlength=V).astype(np.float64) + 0.5)
mix = {k: cz["mixture"].get(k, 0.0) for k in ("lam_n", "lam_c", "lam_k", "lam_u", "lam_a", "beta", "alpha")}
assoc = None
if mix["lam_a"] > 0:
    from train_assoc import load_assoc
    assoc = load_assoc(sys.argv[5])
model = MixtureLM(lm, torch.tensor(cls), uni, mix, assoc=assoc).eval()
ids = json.load(sys.stdin)["ids"]
with torch.no_grad():
    x = torch.tensor([ids])
    lp = model(x, torch.ones_like(x))[0]
print(json.dumps({"logprobs": [float(lp[t - 1, ids[t]]) for t in range(1, len(ids))]}))
