"""Trains the embedded model's word-association component (src/core/model/word-association.ts).

A low-rank translation model from the bag of a function's code words to each word of its
description:  p(q | code) = softmax(E_out . mean_{w in set(code)} E_in[w] + b)[q].
Words are identifier sub-words, Porter-stemmed (tools/model/tokenize_word_pairs.ts makes them with
the extension's own splitter). 5% of the examples have an empty code bag, so softmax(b) is the
description words' background, the "nothing" side of the relevance gain.

Validation: pairs of held-out repositories (whole repositories, so the loss measures transfer to
code never seen). The export quantizes E_in and E_out to int8 with one float32 scale per row.

  /usr/bin/python3 tools/model/py/train_word_assoc.py WORDS.jsonl OUTDIR [--dim 64] [--epochs 4]
      [--min-count 5] [--max-vocab 32000] [--minutes 60] [--val-repos 0.05]
Writes OUTDIR/word-association.json + .bin, OUTDIR/word-assoc-train.log (one line per report) and
checkpoints OUTDIR/word-assoc.pt after each epoch.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument('words')
p.add_argument('outdir')
p.add_argument('--dim', type=int, default=64)
p.add_argument('--epochs', type=int, default=4)
p.add_argument('--min-count', type=int, default=5)
p.add_argument('--max-vocab', type=int, default=32000)
p.add_argument('--minutes', type=float, default=60)
p.add_argument('--val-repos', type=float, default=0.05)
p.add_argument('--batch', type=int, default=256)
p.add_argument('--lr', type=float, default=3e-3)
p.add_argument('--threads', type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(7)
random.seed(7)
os.makedirs(args.outdir, exist_ok=True)
log_path = os.path.join(args.outdir, 'word-assoc-train.log')
logf = open(log_path, 'a')


def log(msg):
    line = time.strftime('%H:%M:%S ') + msg
    print(line, flush=True)
    logf.write(line + '\n')
    logf.flush()


t0 = time.time()
recs = [json.loads(l) for l in open(args.words) if l.strip()]
cnt = collections.Counter()
for r in recs:
    cnt.update(set(r['c']))
    cnt.update(set(r['d']))
vocab = [w for w, n in cnt.most_common(args.max_vocab) if n >= args.min_count]
index = {w: i for i, w in enumerate(vocab)}
V = len(vocab)


def is_val(repo):
    return int(hashlib.sha1(repo.encode()).hexdigest(), 16) % 10000 < args.val_repos * 10000


def encode(r):
    c = sorted({index[w] for w in r['c'] if w in index})
    d = sorted({index[w] for w in r['d'] if w in index})
    return c, d


train, val = [], []
for r in recs:
    c, d = encode(r)
    if not d or not c:
        continue
    (val if is_val(r['repo']) else train).append((c, d))
del recs
log(f'vocab {V}, train pairs {len(train)}, val pairs {len(val)} ({time.time() - t0:.0f}s to load)')


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.e_in = torch.nn.EmbeddingBag(V, args.dim, mode='mean')
        self.e_out = torch.nn.Linear(args.dim, V)
        torch.nn.init.normal_(self.e_in.weight, std=0.1)
        torch.nn.init.normal_(self.e_out.weight, std=0.1)
        with torch.no_grad():
            freq = np.zeros(V)
            for _, d in train:
                freq[d] += 1
            self.e_out.bias.copy_(torch.tensor(np.log(freq + 1) - np.log(freq.sum() + V)))

    def forward(self, flat, offsets, empty):
        h = self.e_in(flat, offsets)
        h = h * (~empty).unsqueeze(1)
        return torch.log_softmax(self.e_out(h), dim=-1)


def batches(data, shuffle, p_empty):
    order = list(range(len(data)))
    if shuffle:
        random.shuffle(order)
    for s in range(0, len(order), args.batch):
        idx = order[s:s + args.batch]
        flat, offsets, ex, tgt, empty = [], [], [], [], []
        for k, i in enumerate(idx):
            c, d = data[i]
            offsets.append(len(flat))
            flat.extend(c)
            empty.append(p_empty > 0 and random.random() < p_empty)
            ex.extend([k] * len(d))
            tgt.extend(d)
        yield (torch.tensor(flat), torch.tensor(offsets), torch.tensor(empty), torch.tensor(ex), torch.tensor(tgt))


def evaluate(model):
    model.eval()
    tot, n = 0.0, 0
    with torch.no_grad():
        for flat, offsets, empty, ex, tgt in batches(val, False, 0):
            lp = model(flat, offsets, empty)
            tot -= lp[ex, tgt].sum().item()
            n += len(tgt)
    model.train()
    return tot / max(1, n)


def retrieval_mrr(model, limit=1000):
    """MRR of each held-out description's own code among `limit` held-out codes, by the relevance
    the extension computes: mean over the description's words of log p(q | code) - log p(q)."""
    pairs = val[:limit]
    if len(pairs) < 2:
        return 0.0
    model.eval()
    with torch.no_grad():
        flat, offsets = [], []
        for c, _ in pairs:
            offsets.append(len(flat))
            flat.extend(c)
        lp = model(torch.tensor(flat), torch.tensor(offsets), torch.zeros(len(pairs), dtype=torch.bool))
        base = torch.log_softmax(model.e_out.bias, dim=-1)
        gain = lp - base  # [codes, V]
        q = torch.zeros(len(pairs), V)
        for i, (_, d) in enumerate(pairs):
            q[i, d] = 1.0 / len(d)
        s = q @ gain.T  # [descriptions, codes]
        own = s.diagonal().unsqueeze(1)
        ranks = (s > own).sum(dim=1) + 1
    model.train()
    return (1.0 / ranks.float()).mean().item()


model = Model()
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
steps_per_epoch = math.ceil(len(train) / args.batch)
total_steps = steps_per_epoch * args.epochs
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.1, 1 - s / max(1, total_steps)))
log(f'val loss before training {evaluate(model):.4f} nats/word, retrieval MRR {retrieval_mrr(model):.4f}')
deadline = t0 + args.minutes * 60
step = 0
stopped = False
for epoch in range(args.epochs):
    run, rn = 0.0, 0
    for flat, offsets, empty, ex, tgt in batches(train, True, 0.05):
        lp = model(flat, offsets, empty)
        loss = -lp[ex, tgt].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        run += loss.item()
        rn += 1
        if step % 200 == 0:
            log(f'epoch {epoch} step {step}/{total_steps} train {run / rn:.4f}')
            run, rn = 0.0, 0
        if time.time() > deadline:
            stopped = True
            break
    vl = evaluate(model)
    mrr = retrieval_mrr(model)
    log(f'epoch {epoch} done: val loss {vl:.4f} nats/word, held-out retrieval MRR {mrr:.4f}')
    torch.save({'state': model.state_dict(), 'vocab': vocab, 'dim': args.dim, 'epoch': epoch, 'val': vl},
               os.path.join(args.outdir, 'word-assoc.pt'))
    if stopped:
        log('time budget reached')
        break


def quantize(m):
    m = m.detach().numpy().astype(np.float32)
    scale = np.abs(m).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(m / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


qi, si = quantize(model.e_in.weight)
qo, so = quantize(model.e_out.weight)
with open(os.path.join(args.outdir, 'word-association.bin'), 'wb') as f:
    f.write(qi.tobytes()); f.write(si.tobytes())
    f.write(qo.tobytes()); f.write(so.tobytes())
    f.write(model.e_out.bias.detach().numpy().astype(np.float32).tobytes())
meta = {
    'format': 'contextzip-word-association', 'version': 1, 'words': 'identifier-split-porter-v1',
    'dim': args.dim, 'vocab': vocab,
    'training': {'pairs': len(train), 'valPairs': len(val), 'epochs': epoch + 1, 'steps': step,
                 'valLoss': round(vl, 4), 'valRetrievalMrr': round(mrr, 4), 'seconds': round(time.time() - t0), 'minCount': args.min_count},
}
json.dump(meta, open(os.path.join(args.outdir, 'word-association.json'), 'w'))
log(f'exported {V} words x {args.dim} dims to {args.outdir}')
