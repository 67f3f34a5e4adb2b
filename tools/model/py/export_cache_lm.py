"""Training-free baseline for the benchmark: the reference "cache LM" (unigram + cache + copy on exact token ids),
P = a*uni + b*(counts_so_far + uni)/(n + 1) + c*(k*induction + uni)/(k*matches + 1), exported as a transformers.js
folder (same tokenizer, same I/O as the embedded model). Not shipped; only a baseline.
Usage: /usr/bin/python3 tools/model/py/export_cache_lm.py OUTDIR TOKDIR TOKENS.bin [a=0.3 b=0.3 c=0.4 k=4]"""
import json, os, shutil, sys
import numpy as np
import torch
import torch.nn as nn

outdir, tokdir, tokens = sys.argv[1:4]
A, B, C, K = [float(x) for x in (sys.argv[4:8] or [0.3, 0.3, 0.4, 4])]
tok = json.load(open(os.path.join(tokdir, "tokenizer.json")))
eos = tok["added_tokens"][0]["id"]
V = len(tok["model"]["vocab"]) + sum(1 for t in tok["added_tokens"] if t["content"] not in tok["model"]["vocab"])
cnt = np.bincount(np.memmap(tokens, dtype=np.uint16, mode="r")[:-300_000], minlength=V).astype(np.float64) + 0.5
uni = torch.from_numpy(cnt / cnt.sum()).float()


class CacheLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("uni", uni)
        self.register_buffer("vocab", torch.arange(V))

    def forward(self, input_ids, attention_mask):
        m = attention_mask.float()
        X = (input_ids.unsqueeze(-1) == self.vocab.view(1, 1, V)).float() * m.unsqueeze(-1)
        p_cache = (torch.cumsum(X, 1) + self.uni) / (torch.cumsum(m, 1).unsqueeze(-1) + 1)
        T = input_ids.shape[1]
        idx = torch.arange(T)
        W = (input_ids.unsqueeze(2) == input_ids.unsqueeze(1)).float() * (idx.unsqueeze(0) < idx.unsqueeze(1)).float() * m.unsqueeze(1)
        Xn = torch.cat((X[:, 1:], torch.zeros_like(X[:, :1])), 1)
        ind = W @ Xn
        p_copy = (K * ind + self.uni) / (K * W.sum(-1, keepdim=True) + 1)
        return torch.log(A * self.uni + B * p_cache + C * p_copy)


os.makedirs(os.path.join(outdir, "onnx"), exist_ok=True)
for f in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(os.path.join(tokdir, f), os.path.join(outdir, f))
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": V, "hidden_size": 1, "num_hidden_layers": 0,
           "num_attention_heads": 1, "num_key_value_heads": 1, "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos,
           "use_cache": False, "logits_are_log_probs": True,
           "contextzip": {"kind": "cache-lm", "mix": {"a": A, "b": B, "c": C, "k": K}}}, open(os.path.join(outdir, "config.json"), "w"), indent=2)
json.dump({"bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos}, open(os.path.join(outdir, "generation_config.json"), "w"))
ids = torch.randint(0, V, (2, 16))
dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
       "logits": {0: "batch_size", 1: "sequence_length"}}
torch.onnx.export(CacheLM().eval(), (ids, torch.ones_like(ids)), os.path.join(outdir, "onnx", "model.onnx"),
                  input_names=["input_ids", "attention_mask"], output_names=["logits"], dynamic_axes=dyn, opset_version=14)
print(json.dumps({"outdir": outdir, "V": V, "mix": [A, B, C, K]}))
