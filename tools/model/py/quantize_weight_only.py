"""Weight-only int8 quantization (dtype 'q8') of an fp32 ONNX model, with onnx + numpy only.

Usage: /usr/bin/python3 tools/model/py/quantize_weight_only.py MODEL_DIR [SRC.onnx]
  writes MODEL_DIR/onnx/model_quantized.onnx from MODEL_DIR/onnx/model.onnx (or SRC.onnx).

Every float initializer with >= 2 dims and >= 1024 elements is stored as int8 with one
symmetric scale per row (axis 0: output channel of [out, in] weights, vocabulary row of the
embedding) and restored at run time by DequantizeLinear; all arithmetic stays fp32.

Why not onnxruntime's dynamic quantization (DynamicQuantizeLinear + MatMulInteger)? It
quantizes ACTIVATIONS with one scale per tensor, so a token's log-prob depends on the other
tokens in the batch and on the sequence length: scoring a prefix alone and inside a longer
window gives different numbers, padding changes results, and cached scores stop matching
recomputed ones. ContextZip compares log-probs across such calls, so q8 must be
deterministic. Weight-only int8 keeps the 4x smaller file and exact call-to-call agreement.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

mdir = sys.argv[1]
src = sys.argv[2] if len(sys.argv) > 2 else os.path.join(mdir, "onnx", "model.onnx")
m = onnx.load(src)
g = m.graph
keep, added, nodes = [], [], []
for init in g.initializer:
    n = int(np.prod(init.dims)) if init.dims else 1
    if init.data_type != TensorProto.FLOAT or len(init.dims) < 2 or n < 1024:
        keep.append(init)
        continue
    W = numpy_helper.to_array(init).astype(np.float32)
    rows = W.reshape(W.shape[0], -1)
    scale = np.maximum(np.abs(rows).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.round(rows / scale[:, None]), -127, 127).astype(np.int8).reshape(W.shape)
    name = init.name
    added += [
        numpy_helper.from_array(q, name + "_int8"),
        numpy_helper.from_array(scale.astype(np.float32), name + "_scale"),
        numpy_helper.from_array(np.zeros(W.shape[0], np.int8), name + "_zero"),
    ]
    # The dequantized tensor keeps the original name, so every consumer is unchanged.
    nodes.append(helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale", name + "_zero"], [name], axis=0, name=name + "_dq"))
g.ClearField("initializer")
g.initializer.extend(keep + added)
# Initializers listed as graph inputs (old exporters) must not stay inputs once replaced.
replaced = {n.output[0] for n in nodes}
inputs = [i for i in g.input if i.name not in replaced]
g.ClearField("input")
g.input.extend(inputs)
all_nodes = nodes + list(g.node)
g.ClearField("node")
g.node.extend(all_nodes)
if max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) < 13:
    raise SystemExit("per-axis DequantizeLinear needs opset >= 13")
onnx.checker.check_model(m)
out = os.path.join(mdir, "onnx", "model_quantized.onnx")
onnx.save(m, out)
print(f"q8 (weight-only int8) -> {out} {os.path.getsize(out)} bytes, {len(nodes)} tensors quantized")
