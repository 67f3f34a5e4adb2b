"""Export the embedded model as a target-only graph (model version 1.4.0): output `target_logprobs` [B, T] instead of
`logits` [B, T, V]. The weights come from a shipped fp32 graph (recover_from_onnx.py), so no training checkpoint is
needed. Usage:
  /usr/bin/python3 tools/model/py/export_target.py SRC_DIR OUT_DIR [--src SRC.onnx] [--fold-copy PATH] [--version 1.4.0]
  /usr/bin/python3 tools/model/py/export_target.py SRC_DIR OUT_DIR --neural-only      (benchmark baseline)
 - OUT_DIR/onnx/model.onnx: inputs input_ids, attention_mask (int64 [B, T]); output target_logprobs float [B, T],
   column t = log p(input_ids[t+1] | input_ids[..t]) under the in-graph mixture (model.TargetMixtureLM), column T-1 = 0.
   Exported without constant folding (the tied embedding is stored once); --fold-copy writes a constant-folded copy
   (tied head as its own MatMul initializer) for quantize.py q4.
 - OUT_DIR/config.json: SRC_DIR's with contextzip.version and contextzip.output = "target_logprobs".
 - --neural-only: the decoder alone, output `logits` = log-softmax [B, T, V] (a bare forward pass; never shipped).
 - prints the recovered model's max |diff| against SRC_DIR/torch_reference.json and the PyTorch target-vs-full
   max |diff| on that example."""
import argparse, json, os, shutil, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import TargetMixtureLM
from recover_from_onnx import recover, reference_diff

ap = argparse.ArgumentParser()
ap.add_argument("srcdir"); ap.add_argument("outdir")
ap.add_argument("--src", default=None, help="fp32 graph to recover the weights from (default SRC_DIR/onnx/model.onnx)")
ap.add_argument("--fold-copy", default=None)
ap.add_argument("--version", default="1.4.0")
ap.add_argument("--neural-only", action="store_true")
ap.add_argument("--opset", type=int, default=14)
a = ap.parse_args()

mx = recover(a.srcdir, a.src)
ref_diff, _ = reference_diff(mx, a.srcdir)


class NeuralOnly(torch.nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, attention_mask):
        return torch.log_softmax(self.lm(input_ids, attention_mask), -1)


os.makedirs(os.path.join(a.outdir, "onnx"), exist_ok=True)
for f in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
    if os.path.abspath(a.srcdir) != os.path.abspath(a.outdir):
        shutil.copy(os.path.join(a.srcdir, f), os.path.join(a.outdir, f))
cfg = json.load(open(os.path.join(a.srcdir, "config.json")))
cz = cfg["contextzip"]
if a.neural_only:
    model, out_name = NeuralOnly(mx.lm).eval(), "logits"
    cz["kind"] = "neural"
    cz["output"] = "logits = normalized natural-log probabilities of the next token (decoder alone, log-softmax applied)"
    cz.pop("outputDescription", None)
    cz.pop("mixture", None)
    cz.pop("ranking", None)
    cfg["logits_are_log_probs"] = True
else:
    model, out_name = TargetMixtureLM(mx).eval(), "target_logprobs"
    desc = ("target_logprobs float [batch, seq]: column t = natural-log probability of input_ids[t+1] after "
            "input_ids[..t] under the in-graph mixture (normalized; the graph shifts the ids itself), last column 0. "
            "Graphs up to 1.3.0 output logits [batch, seq, vocab] = normalized log-probs (logits_are_log_probs).")
    items = [(k, v) for k, v in cz.items() if k != "outputDescription"]
    at = [k for k, _ in items].index("output") + 1 if "output" in cz else len(items)
    cz = dict(items[:at] + [("output", "target_logprobs"), ("outputDescription", desc)] + items[at:])
    cfg["contextzip"] = cz
cz["version"] = a.version
with open(os.path.join(a.outdir, "config.json"), "w") as fh:
    json.dump(cfg, fh, indent=2)
    fh.write("\n")

V = cfg["vocab_size"]
ids = torch.randint(0, V, (2, 16))
am = torch.ones_like(ids)
dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
       out_name: {0: "batch_size", 1: "sequence_length"}}
path = os.path.join(a.outdir, "onnx", "model.onnx")
kw = dict(input_names=["input_ids", "attention_mask"], output_names=[out_name], dynamic_axes=dyn, opset_version=a.opset)
with torch.no_grad():
    torch.onnx.export(model, (ids, am), path, do_constant_folding=False, **kw)
    if a.fold_copy:
        torch.onnx.export(model, (ids, am), a.fold_copy, do_constant_folding=True, **kw)
    # PyTorch: target-only vs the full mixture on the parity example
    ref = json.load(open(os.path.join(a.srcdir, "torch_reference.json")))
    x = torch.tensor([ref["ids"]])
    full = (mx if not a.neural_only else model)(x, torch.ones_like(x))
    want = torch.gather(full[:, :-1], 2, x[:, 1:].unsqueeze(-1)).squeeze(-1)
    tdiff = 0.0 if a.neural_only else float((model(x, torch.ones_like(x))[:, :-1] - want).abs().max())
print(json.dumps({"outdir": a.outdir, "output": out_name, "onnx_bytes": os.path.getsize(path),
                  "recoveredVsTorchReference": ref_diff, "targetVsFullTorch": tdiff}))
