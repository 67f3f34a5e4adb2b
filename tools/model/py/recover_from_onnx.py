"""Recover the embedded model's PyTorch modules (model.py TinyLlama + MixtureLM, train_assoc.Assoc) from a shipped
fp32 ONNX graph, without the training checkpoints (tools/model/work is not in the repository).

Usage (as a module): from recover_from_onnx import recover; mix_lm = recover(MODEL_DIR [, SRC.onnx])
Usage (as a script): /usr/bin/python3 tools/model/py/recover_from_onnx.py MODEL_DIR [SRC.onnx]
    prints the max |diff| of the recovered model's log-probs against MODEL_DIR/torch_reference.json.

Works on both graph layouts this repository ships:
 - full-logits graphs (<= 1.3.0, output `logits` [B, T, V]): weights are initializers named after the modules
   (lm.*, assoc.*); the class map, unigram and spread buffers were traced as Constant nodes and are found by
   shape and content (int64 [V] class map; float [V] alpha * unigram summing to alpha; spread recomputed and
   checked);
 - target-only graphs (>= 1.4.0, output `target_logprobs` [B, T], export_target.py): the same initializer names;
   `lm.embed.weight` holds the tied embedding with its rows in class-sorted order (model.class_sorted_layout):
   token v is row vocab_pos[v]. The buffers are constants again: the class map is the int64 [V] constant whose
   class-sorted renumbering is another constant of the graph (cls_sorted), vocab_pos the int64 [V] permutation
   that class_sorted_layout(cls) reproduces; unigram and spread as above (the unigram is stored as itself)."""
import json, os, sys
import numpy as np
import onnx
import torch
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, TinyLlama, MixtureLM, class_sorted_layout
from train_assoc import Assoc


def _arrays(path):
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    consts = []
    for n in m.graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            consts.append(numpy_helper.to_array(n.attribute[0].t))
    return m, inits, consts


def recover(mdir, src=None):
    cfgj = json.load(open(os.path.join(mdir, "config.json")))
    cz = cfgj["contextzip"]
    src = src or os.path.join(mdir, "onnx", "model.onnx")
    _, inits, consts = _arrays(src)
    V = cfgj["vocab_size"]
    c = Cfg(vocab_size=V, hidden_size=cfgj["hidden_size"], intermediate_size=cfgj["intermediate_size"],
            num_hidden_layers=cfgj["num_hidden_layers"], num_attention_heads=cfgj["num_attention_heads"],
            max_position_embeddings=cfgj["max_position_embeddings"], rms_norm_eps=cfgj["rms_norm_eps"],
            rope_theta=cfgj["rope_theta"])
    lm = TinyLlama(c).eval()
    ints = [a for a in consts if a.dtype == np.int64 and a.shape == (V,)]
    pos = None
    cls = None
    for a in ints:  # 1.4.0: the class map whose class-sorted renumbering is also in the graph
        if len(np.unique(a)) == V:
            continue
        _, p, new_of_cls, _ = class_sorted_layout(torch.from_numpy(a.copy()))
        renum = new_of_cls.numpy()[a]
        if not np.array_equal(renum, a) and any(np.array_equal(renum, b) for b in ints):
            cls = a
            pos = p.numpy()
    target = pos is not None and any(np.array_equal(pos, b) for b in ints)
    if not target:  # <= 1.3.0: the (only) class map
        cls = next(a for a in ints if not np.array_equal(a, np.arange(V)))
    state = {}
    for k in lm.state_dict():
        w = inits["lm." + k]
        state[k] = torch.from_numpy((w[pos] if target and k == "embed.weight" else w).copy())
    lm.load_state_dict(state)
    mix = {k: cz["mixture"].get(k, 0.0) for k in ("lam_n", "lam_c", "lam_k", "lam_u", "lam_a", "beta", "alpha")}
    assoc = None
    if mix["lam_a"] > 0:
        n_cls, dim = inits["assoc.e_in.weight"].shape
        assoc = Assoc(n_cls, dim).eval()
        assoc.load_state_dict({k: torch.from_numpy(inits["assoc." + k].copy()) for k in assoc.state_dict()})
    flts = [a for a in consts if a.dtype == np.float32 and a.shape == (V,)]
    # the unigram sums to 1; up to 1.3.0 the graph holds alpha * uni (traced as one constant; alpha is a power of
    # two here, so the division is exact)
    uni = next((a for a in flts if (a > 0).all() and abs(float(a.sum(dtype=np.float64)) - 1) < 1e-3), None)
    if uni is None:
        uni = next(a / np.float32(mix["alpha"]) for a in flts
                   if (a > 0).all() and abs(float(a.sum(dtype=np.float64)) / mix["alpha"] - 1) < 1e-3)
    spread = None
    mass = np.zeros(int(cls.max()) + 1, np.float64)
    np.add.at(mass, cls, uni.astype(np.float64))
    for a in flts:  # spread = uni / (class mass of uni), 1.0 for singleton classes
        if np.allclose(a, uni / mass[cls], rtol=1e-5, atol=0):
            spread = a
    assert spread is not None, "spread constant not found"
    model = MixtureLM(lm, torch.from_numpy(cls.copy()), torch.from_numpy(uni.astype(np.float64)), mix, assoc=assoc).eval()
    # exact buffers of the graph (MixtureLM renormalizes uni and recomputes spread; keep the shipped float32 values)
    model.uni = torch.from_numpy(uni.copy())
    model.spread = torch.from_numpy(spread.copy())
    return model


def reference_diff(model, mdir):
    ref = json.load(open(os.path.join(mdir, "torch_reference.json")))
    ids = ref["ids"]
    with torch.no_grad():
        x = torch.tensor([ids])
        lp = model(x, torch.ones_like(x))[0]
    got = [float(lp[t - 1, ids[t]]) for t in range(1, len(ids))]
    return max(abs(a - b) for a, b in zip(got, ref["logprobs"])), got


if __name__ == "__main__":
    mdir = sys.argv[1]
    model = recover(mdir, sys.argv[2] if len(sys.argv) > 2 else None)
    d, _ = reference_diff(model, mdir)
    print(json.dumps({"torchReferenceMaxAbsDiff": d}))
