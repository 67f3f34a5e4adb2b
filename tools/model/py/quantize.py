"""Weight quantization of an fp32 ONNX decoder WITHOUT onnxruntime's Python tooling (only `onnx` + numpy).
Usage: /usr/bin/python3 tools/model/py/quantize.py MODEL_DIR [q8|q4|both] [SRC.onnx]
  SRC.onnx defaults to MODEL_DIR/onnx/model.onnx; pass the constant-folded export (export.py --fold-copy) so the
  tied LM head is a MatMul initializer and gets quantized too.
  q8 -> onnx/model_quantized.onnx (transformers.js dtype 'q8'): same pattern as onnxruntime quantize_dynamic:
        DynamicQuantizeLinear(A) -> MatMulInteger(A_u8, W_s8 per-column) -> Cast -> Mul(scale)
  q4 -> onnx/model_q4.onnx (dtype 'q4'): com.microsoft MatMulNBits, 4-bit, block 32, symmetric (zp=8)
Embedding Gather is int8 per-row in both (Gather int8 rows + Gather scales -> Cast/Mul)."""
import os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

mdir = sys.argv[1]; mode = sys.argv[2] if len(sys.argv) > 2 else "both"
src = sys.argv[3] if len(sys.argv) > 3 else os.path.join(mdir, "onnx", "model.onnx")

def quantize(mode):
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits, drop = [], [], set()
    uses = {}
    for n in g.node:
        for x in n.input: uses[x] = uses.get(x, 0) + 1
    for n in g.node:
        if n.op_type == "MatMul" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2:
            W = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)  # [K, N]
            K, N = W.shape
            p = n.name.replace("/", "_").strip("_")
            A, Y = n.input[0], n.output[0]
            if uses[n.input[1]] == 1: drop.add(n.input[1])
            if mode == "q8":
                s = np.maximum(np.abs(W).max(axis=0), 1e-8) / 127.0                 # per output column
                Wq = np.clip(np.round(W / s), -127, 127).astype(np.int8)
                new_inits += [numpy_helper.from_array(Wq, p + "_Wq"), numpy_helper.from_array(s.astype(np.float32), p + "_Ws"),
                              numpy_helper.from_array(np.zeros(N, np.int8), p + "_Wzp")]
                new_nodes += [
                    helper.make_node("DynamicQuantizeLinear", [A], [p + "_Aq", p + "_As", p + "_Azp"], name=p + "_dq"),
                    helper.make_node("MatMulInteger", [p + "_Aq", p + "_Wq", p + "_Azp", p + "_Wzp"], [p + "_i32"], name=p + "_mmi"),
                    helper.make_node("Cast", [p + "_i32"], [p + "_f"], to=TensorProto.FLOAT, name=p + "_cast"),
                    helper.make_node("Mul", [p + "_As", p + "_Ws"], [p + "_scale"], name=p + "_sc"),
                    helper.make_node("Mul", [p + "_f", p + "_scale"], [Y], name=p + "_out")]
            else:  # q4 MatMulNBits
                bs = 32
                nb = (K + bs - 1) // bs
                Wp = np.zeros((nb * bs, N), np.float32); Wp[:K] = W
                blocks = Wp.T.reshape(N, nb, bs)                                     # [N, nb, bs]
                sc = np.maximum(np.abs(blocks).max(axis=2), 1e-8) / 7.0               # [N, nb]
                q = np.clip(np.round(blocks / sc[..., None]) + 8, 0, 15).astype(np.uint8)
                packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)        # [N, nb, bs/2], low nibble first
                new_inits += [numpy_helper.from_array(packed, p + "_B4"), numpy_helper.from_array(sc.reshape(-1).astype(np.float32), p + "_S4")]
                new_nodes.append(helper.make_node("MatMulNBits", [A, p + "_B4", p + "_S4"], [Y], name=p + "_mnb",
                                                  domain="com.microsoft", K=K, N=N, bits=4, block_size=bs))
        elif n.op_type == "Gather" and n.input[0] in inits and len(inits[n.input[0]].dims) == 2:
            E = numpy_helper.to_array(inits[n.input[0]]).astype(np.float32)  # [V, D]
            p = n.name.replace("/", "_").strip("_")
            if uses[n.input[0]] == 1: drop.add(n.input[0])
            s = np.maximum(np.abs(E).max(axis=1), 1e-8) / 127.0
            Eq = np.clip(np.round(E / s[:, None]), -127, 127).astype(np.int8)
            new_inits += [numpy_helper.from_array(Eq, p + "_Eq"), numpy_helper.from_array(s.astype(np.float32)[:, None], p + "_Es")]
            new_nodes += [helper.make_node("Gather", [p + "_Eq", n.input[1]], [p + "_g8"], name=p + "_g"),
                          helper.make_node("Gather", [p + "_Es", n.input[1]], [p + "_gs"], name=p + "_gsn"),
                          helper.make_node("Cast", [p + "_g8"], [p + "_gf"], to=TensorProto.FLOAT, name=p + "_gc"),
                          helper.make_node("Mul", [p + "_gf", p + "_gs"], [n.output[0]], name=p + "_gm")]
        else:
            new_nodes.append(n)
    g.ClearField("node"); g.node.extend(new_nodes)
    keep = [i for i in g.initializer if i.name not in drop]
    g.ClearField("initializer"); g.initializer.extend(keep + new_inits)
    if mode == "q4" and not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.checker.check_model(m) if mode == "q8" else None
    out = os.path.join(mdir, "onnx", "model_quantized.onnx" if mode == "q8" else "model_q4.onnx")
    onnx.save(m, out)
    print(mode, out, os.path.getsize(out), "bytes")

for md in (["q8", "q4"] if mode == "both" else [mode]):
    quantize(md)
