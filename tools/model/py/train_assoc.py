"""Code-to-description association component of the embedded model: a low-rank bag-of-words translation model
    p_a(v | x[..t]) = r_v * softmax_c( E_out[c] . mean_{s<=t} E_in[cls(x_s)] + b[c] )[cls(v)]
trained on (code, description) pairs of TRAINING files (make_doc_pairs.mjs): the prefix is [bos] + code + "\\n\\n" +
description[:j], the target description[j]. It lets words that are not in the chunk, but go with what is in it,
gain probability (the lexical cache only rewards exact class matches).
Usage:
  /usr/bin/python3 tools/model/py/train_assoc.py train TOKDIR PAIRS.jsonl OUT.pt [--dim 64 --epochs 6]
  /usr/bin/python3 tools/model/py/train_assoc.py apply TOKDIR ASSOC.pt DUMP.jsonl STATS.pt STATS_OUT.pt   # adds 'pa' rows"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classes import token_classes


class Assoc(nn.Module):
    def __init__(self, n_cls, dim):
        super().__init__()
        self.e_in = nn.Embedding(n_cls, dim)
        self.e_out = nn.Embedding(n_cls, dim)
        self.bias = nn.Parameter(torch.zeros(n_cls))
        nn.init.normal_(self.e_in.weight, std=0.1); nn.init.normal_(self.e_out.weight, std=0.1)

    def bags(self, cls_ids, mask):
        """Mean input embedding of each prefix x[..t] (inclusive): [B, T, dim]."""
        e = self.e_in(cls_ids) * mask.unsqueeze(-1)
        return torch.cumsum(e, 1) / torch.cumsum(mask, 1).clamp(min=1).unsqueeze(-1)

    def class_logp(self, h):
        return torch.log_softmax(h @ self.e_out.weight.T + self.bias, -1)


def load_classes(tokdir):
    tok = json.load(open(os.path.join(tokdir, "tokenizer.json")))
    cls, n_cls = token_classes(tok)
    return torch.tensor(cls), n_cls


def train(a):
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    cls, n_cls = load_classes(a.tokdir)
    V = cls.shape[0]; bos = V - 1
    pairs = [json.loads(l) for l in open(a.pairs)]
    rng = np.random.default_rng(0); rng.shuffle(pairs)
    n_val = max(200, len(pairs) // 20)
    val, tr = pairs[:n_val], pairs[n_val:]
    model = Assoc(n_cls, a.dim)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)

    def batch_loss(batch):
        seqs = [[bos] + p["code"][-a.max_code:] + p["doc"][:64] for p in batch]
        T = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), T), bos, dtype=torch.long); m = torch.zeros(len(seqs), T)
        tgt = torch.full((len(seqs), T), -100, dtype=torch.long)
        for k, (p, s) in enumerate(zip(batch, seqs)):
            ids[k, :len(s)] = torch.tensor(s); m[k, :len(s)] = 1
            d0 = len(s) - len(p["doc"][:64])
            tgt[k, d0 - 1:len(s) - 1] = cls[torch.tensor(s[d0:])]           # position t predicts x[t+1]
        h = model.bags(cls[ids], m)
        sel = tgt != -100
        return F.nll_loss(model.class_logp(h[sel]), tgt[sel])

    t0 = time.time()
    for ep in range(a.epochs):
        order = rng.permutation(len(tr))
        for g in opt.param_groups:
            g["lr"] = a.lr * (0.5 ** ep)
        tot = 0.0
        for b in range(0, len(tr), a.batch):
            loss = batch_loss([tr[i] for i in order[b:b + a.batch]])
            opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item()
        with torch.no_grad():
            vl = np.mean([batch_loss(val[b:b + 64]).item() for b in range(0, len(val), 64)])
        print(json.dumps({"epoch": ep + 1, "train": round(tot / math.ceil(len(tr) / a.batch), 4), "val": round(float(vl), 4),
                          "s": round(time.time() - t0)}), flush=True)
    torch.save({"state": model.state_dict(), "n_cls": n_cls, "dim": a.dim, "pairs": len(tr), "val_loss": float(vl)}, a.out)


def load_assoc(path):
    ck = torch.load(path)
    m = Assoc(ck["n_cls"], ck["dim"]); m.load_state_dict(ck["state"]); m.eval()
    return m


def apply(a):
    """Adds 'pa' = log p_a(y) (vocab level: class prob * r_y) to every row of rank_study stats."""
    from model import MixtureLM  # noqa: F401  (same spread definition as the graph)
    torch.set_num_threads(a.threads)
    cls, n_cls = load_classes(a.tokdir)
    V = cls.shape[0]; bos = V - 1
    m = load_assoc(a.assoc)
    stats = torch.load(a.stats, weights_only=False)
    with torch.no_grad():
        for t, line in zip(stats, open(a.dump)):
            d = json.loads(line)
            q = d["query"]; cap = 1024 - len(q) - 9
            seqs = [[bos] + q]
            for c in d["chunks"]:
                ids = c["ids"]
                for s in range(0, max(1, len(ids)), cap):
                    seqs.append([bos] + ids[s:s + cap] + q)
            assert len(seqs) == len(t["rows"])
            for row, s in zip(t["rows"], seqs):
                x = cls[torch.tensor(s)].unsqueeze(0)
                h = m.bags(x, torch.ones(1, len(s)))[0, len(s) - len(q) - 1:len(s) - 1]
                lp = m.class_logp(h)[torch.arange(len(q)), cls[torch.tensor(q)]]
                row["pa"] = (lp.exp() * torch.from_numpy(row["r"]).float()).numpy()
    torch.save(stats, a.out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("mode"); ap.add_argument("tokdir")
    ap.add_argument("rest", nargs="+")
    ap.add_argument("--dim", type=int, default=64); ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-2); ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max_code", type=int, default=700); ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.mode == "train":
        a.pairs, a.out = a.rest
        train(a)
    else:
        a.assoc, a.dump, a.stats, a.out = a.rest
        apply(a)
