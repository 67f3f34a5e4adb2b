"""Offline study of how the embedded model ranks chunks for a query (the compressor's coarse stage),
so mixture/background variants can be compared without re-exporting ONNX for each.

  /usr/bin/python3 tools/model/py/rank_study.py CKPT TOKDIR DUMP.jsonl STATS.pt      # compute stats (slow part)
  /usr/bin/python3 tools/model/py/rank_study.py --study OUT.json NAME=STATS.pt:DUMP.jsonl ...   # the variants table

DUMP.jsonl comes from bench/needle/dump-chunks.ts. For every (chunk, query token) the stats are what the
in-graph mixture needs: log p_n(y), the class-cache count of y, S_c = sum_v p_n(v) cache_v, r_y, uni_y, n,
plus the task's own class counts of y (for a workspace-adapted background)."""
import json, math, os, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def compute(ckpt, tokdir, dump, out):
    from model import MixtureLM, load_ckpt
    from classes import token_classes
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    tok = json.load(open(os.path.join(tokdir, "tokenizer.json")))
    cls, n_cls = token_classes(tok)
    cls_t = torch.tensor(cls)
    cls_np = np.array(cls)
    lm = load_ckpt(ckpt).eval()
    V = lm.c.vocab_size
    tokens_bin = os.path.join(os.path.dirname(tokdir.rstrip("/")), "tokens.bin")
    data = np.memmap(tokens_bin, dtype=np.uint16, mode="r")
    uni = torch.from_numpy(np.bincount(data[:-300_000], minlength=V).astype(np.float64) + 0.5)
    mlm = MixtureLM(lm, cls_t, uni).eval()
    bos = V - 1
    maxT = 1024
    tasks = []
    for line in open(dump):
        t = json.loads(line)
        q = t["query"]
        cap = maxT - len(q) - 9
        task_cls = np.zeros(n_cls)
        for c in t["chunks"]:
            task_cls += np.bincount(cls_np[c["ids"]], minlength=n_cls)
        seqs, owner = [[bos] + q], [-1]                     # -1: the query-only pass
        for i, c in enumerate(t["chunks"]):
            ids = c["ids"]
            for s in range(0, max(1, len(ids)), cap):
                seqs.append([bos] + ids[s:s + cap] + q); owner.append(i)
        rows = []
        with torch.no_grad():
            for b in range(0, len(seqs), 8):
                batch = seqs[b:b + 8]
                T = max(len(s) for s in batch)
                x = torch.full((len(batch), T), bos, dtype=torch.long)
                m = torch.zeros((len(batch), T), dtype=torch.long)
                for k, s in enumerate(batch):
                    x[k, :len(s)] = torch.tensor(s); m[k, :len(s)] = 1
                logp = torch.log_softmax(lm(x, m), -1)
                for k, s in enumerate(batch):
                    L = len(s); start = L - len(q)
                    lp = logp[k, start - 1:L - 1]                       # predicts s[start:]
                    p = lp.exp()
                    H0 = torch.from_numpy(np.bincount(cls_np[s[:start]], minlength=n_cls).astype(np.float32))
                    qc = torch.tensor([cls[y] for y in q])
                    inc = torch.zeros(len(q), n_cls)
                    if len(q) > 1:
                        inc[torch.arange(1, len(q)), qc[:-1]] = 1
                    Hq = H0.unsqueeze(0) + torch.cumsum(inc, 0)             # class counts before each target
                    cv = Hq[:, cls_t]                                       # [Q, V]
                    y = torch.tensor(q)
                    st = {"lp": lp[torch.arange(len(q)), y].numpy(), "cache": Hq[torch.arange(len(q)), qc].numpy(),
                          "Sc": (p * cv).sum(-1).numpy(), "r": mlm.spread[y].numpy(), "uni": mlm.uni[y].numpy(),
                          "n": np.arange(start, start + len(q)), "task": task_cls[qc.numpy()]}
                    rows.append({k2: np.array(v) for k2, v in st.items()})
        tasks.append({"id": t["id"], "language": t["language"], "needle": t["needle"], "owner": owner,
                      "rows": rows, "tokens": [c["tokens"] for c in t["chunks"]], "total": t["totalTokens"],
                      "taskN": float(sum(len(c["ids"]) for c in t["chunks"]))})
        print(t["id"], len(seqs), flush=True)
    torch.save(tasks, out)


def mixture_logp(r, mx, task_n=None):
    p_n = np.exp(r["lp"])
    p = mx["lam_n"] * p_n
    if mx.get("lam_c", 0) > 0:
        p = p + mx["lam_c"] * p_n * (r["cache"] + mx["beta"]) / (r["Sc"] + mx["beta"])
    if mx.get("lam_u", 0) > 0:
        prior = r["uni"]
        g = mx.get("gamma", 0.0)
        if g > 0:   # workspace-adapted background: the task's own class frequencies spread like the cache
            prior = (1 - g) * prior + g * r["r"] * (r["task"] + 1e-3) / task_n
        p = p + mx["lam_u"] * (r["cache"] * r["r"] + mx["alpha"] * prior) / (r["n"] + mx["alpha"])
    if mx.get("lam_a", 0) > 0:   # code-to-description association component (train_assoc.py)
        p = p + mx["lam_a"] * r["pa"]
    return np.log(p)


STOP = set("a an the of to in for on and or is it its by with as at be this that from if are was were will can may not no "
           "into than then else when which what who whose where how all any each but so do does did has have had been being "
           "such these those there their them they we you your our us i me my also only just more most other some same own "
           "very too should would could must shall over under above below up down out off via per return returns given "
           "new".split())


def lexical_tokens(text):
    """The needle benchmark's BM25 tokenizer (identifier split, stop words, light stemming), for the baseline rows."""
    import re
    out = []
    for raw in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
        raw = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", raw))
        for w in re.split(r"[_\s]+", raw):
            w = w.lower()
            if len(w) < 2 or w in STOP:
                continue
            for suf, rep, minlen in (("ing", "", 6), ("ies", "y", 5), ("ed", "", 5), ("es", "", 5), ("s", "", 4)):
                if len(w) >= minlen and w.endswith(suf) and not (suf == "s" and w.endswith("ss")):
                    w = w[: len(w) - len(suf)] + rep
                    break
            out.append(w)
    return out


def bm25(docs, query, k1=1.2, b=0.75):
    from collections import Counter
    N = len(docs); avg = sum(map(len, docs)) / max(1, N)
    df = Counter(w for d in docs for w in set(d))
    out = []
    for d in docs:
        tf = Counter(d); s = 0.0
        for w in query:
            if tf.get(w):
                idf = math.log(1 + (N - df[w] + 0.5) / (df[w] + 0.5))
                s += idf * tf[w] * (k1 + 1) / (tf[w] + k1 * (1 - b + b * len(d) / avg))
        out.append(s)
    return np.array(out)


def chunk_scores(t, mx, weighting="uniform"):
    """AMI of every chunk (max over its window pieces); 'surprisal' weights query tokens by -log p(q_t | q_<t)."""
    b = mixture_logp(t["rows"][0], mx, t["taskN"])
    w = np.ones_like(b) if weighting == "uniform" else np.maximum(0, -b)
    best = {}
    for o, r in zip(t["owner"][1:], t["rows"][1:]):
        g = (w * (mixture_logp(r, mx, t["taskN"]) - b)).sum() / max(w.sum(), 1e-9)
        best[o] = max(best.get(o, -1e9), g)
    return np.array([best.get(i, -1e9) for i in range(len(t["tokens"]))])


def metrics(tasks, scores, ratio=0.2):
    """MRR of the needle chunk and whether it is kept whole when chunks fill ratio * total by rank."""
    mrr, kept = 0.0, 0
    for t, s in zip(tasks, scores):
        order = sorted(range(len(s)), key=lambda i: (-s[i], i))
        mrr += 1 / (order.index(t["needle"]) + 1)
        used = 0
        for i in order:
            if used + t["tokens"][i] > ratio * t["total"]:
                break
            used += t["tokens"][i]
            if i == t["needle"]:
                kept += 1
                break
    return mrr / len(tasks), kept / len(tasks)


def evaluate(tasks, mx, ratio=0.2, weighting="uniform"):
    return metrics(tasks, [chunk_scores(t, mx, weighting) for t in tasks], ratio)


SHIPPED = {"lam_n": 0.4, "lam_c": 0.2, "beta": 0.05, "lam_u": 0.4, "alpha": 4}


def study(stats_path, dump_path):
    """The rows of bench/results/model-ranking-study.md for one task set."""
    tasks = torch.load(stats_path, weights_only=False)
    dumps = [json.loads(l) for l in open(dump_path)] if dump_path else None
    rows = []
    def row(name, scores):
        m, k = metrics(tasks, scores)
        rows.append({"variant": name, "mrr": round(m, 3), "kept@0.2": round(k, 3)})
        print(f"  {name:58s} MRR {m:.3f}  kept@0.2 {k:.3f}", flush=True)
    row("1.1.0 mixture, uniform AMI (LongCodeZip)", [chunk_scores(t, SHIPPED) for t in tasks])
    row("1.1.0 mixture, surprisal-weighted AMI", [chunk_scores(t, SHIPPED, "surprisal") for t in tasks])
    row("decoder alone (lam_n = 1)", [chunk_scores(t, {"lam_n": 1.0}) for t in tasks])
    row("class cache alone (lam_u = 1, alpha 4)", [chunk_scores(t, {"lam_n": 0.0, "lam_u": 1.0, "alpha": 4}) for t in tasks])
    for lam_n, lam_c, alpha, gamma in ((0.4, 0.2, 300, 0), (0.4, 0.0, 1000, 1.0), (0.2, 0.0, 3000, 0)):
        mx = {"lam_n": lam_n, "lam_c": lam_c, "beta": 0.05, "lam_u": 1 - lam_n - lam_c, "alpha": alpha, "gamma": gamma}
        row(f"lam_n {lam_n} lam_c {lam_c} alpha {alpha} workspace background {gamma}", [chunk_scores(t, mx) for t in tasks])
    if "pa" in tasks[0]["rows"][0]:
        row("association alone (lam_a = 1)", [chunk_scores(t, {"lam_n": 0.0, "lam_a": 1.0}) for t in tasks])
        for lam_a in (0.1, 0.2, 0.3, 0.4, 0.5):
            mx = {k: (v * (1 - lam_a) if k.startswith("lam_") else v) for k, v in SHIPPED.items()} | {"lam_a": lam_a}
            for w in ("uniform", "surprisal"):
                row(f"1.1.0 mixture + association lam_a {lam_a}, {w} AMI", [chunk_scores(t, mx, w) for t in tasks])
    if dumps:
        lex = [bm25([lexical_tokens((c["name"] or "") + "\n" + c["text"]) for c in d["chunks"]], lexical_tokens(d["queryText"]))
               for d in dumps]
        row("BM25 over the same chunks (benchmark tokenizer)", lex)
        z = lambda x: (x - x.mean()) / (x.std() + 1e-9)
        ami = [chunk_scores(t, SHIPPED, "surprisal") for t in tasks]
        row("0.2 z(AMI surprisal) + 0.8 z(BM25)", [0.2 * z(a) + 0.8 * z(l) for a, l in zip(ami, lex)])
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "--study":
        # --study OUT.json NAME=STATS.pt:DUMP.jsonl ...
        out = {}
        for spec in sys.argv[3:]:
            name, paths = spec.split("=", 1)
            stats_path, dump_path = paths.split(":")
            print(name, flush=True)
            out[name] = study(stats_path, dump_path)
        json.dump(out, open(sys.argv[2], "w"), indent=1)
    else:
        compute(*sys.argv[1:5])
