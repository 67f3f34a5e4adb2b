"""Time-boxed CPU training of the decoder on a uint16 token file (the neural part of the embedded model).
Usage:
  OPENBLAS_NUM_THREADS=2 nice -n 5 /usr/bin/python3 tools/model/py/train.py TOKENS.bin CKPT_OUT --minutes 30 \
      [--d 192 --layers 4 --heads 4 --ffn 512 --seq 512 --batch 8 --lr 3e-3] [--init CKPT] [--vocab 6144]
The last 300k tokens are held out for validation (the corpus is shuffled at document level, so they are
documents the model never trains on). Logs JSON lines: step, tokens, train loss (EMA), val loss, elapsed seconds.
With --init the run continues from a checkpoint (e.g. a short final phase at --seq 1024)."""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, TinyLlama, save_ckpt, load_ckpt

ap = argparse.ArgumentParser()
ap.add_argument("tokens"); ap.add_argument("out")
ap.add_argument("--minutes", type=float, default=15)
ap.add_argument("--vocab", type=int, default=6144)
ap.add_argument("--d", type=int, default=192); ap.add_argument("--layers", type=int, default=4)
ap.add_argument("--heads", type=int, default=4); ap.add_argument("--ffn", type=int, default=512)
ap.add_argument("--seq", type=int, default=512); ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--lr", type=float, default=3e-3); ap.add_argument("--min_lr_frac", type=float, default=0.1)
ap.add_argument("--warmup", type=int, default=100)
ap.add_argument("--threads", type=int, default=2); ap.add_argument("--max_steps", type=int, default=0)
ap.add_argument("--eval_every", type=int, default=100)
ap.add_argument("--init", default=None, help="continue from this checkpoint (architecture flags are ignored)")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--seq2", type=int, default=0, help="switch to this window length for the final part of the run")
ap.add_argument("--seq2_frac", type=float, default=0.15, help="fraction of the time budget spent at --seq2")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
data = np.memmap(a.tokens, dtype=np.uint16, mode="r")
n_val = 300_000
train, val = data[:-n_val], data[-n_val:]
rng = np.random.default_rng(a.seed)


def batch(src, bs, seq, r=rng):
    ix = r.integers(0, len(src) - seq - 1, bs)
    x = torch.from_numpy(np.stack([src[i:i + seq + 1] for i in ix]).astype(np.int64))
    return x[:, :-1], x[:, 1:]


vr = np.random.default_rng(1234)
vx = [batch(val, 4, 512, vr) for _ in range(8)]  # fixed val set: 32 x 512 tokens (same for every run/phase)


def evaluate(m):
    m.eval()
    with torch.no_grad():
        l = sum(F.cross_entropy(m(x).reshape(-1, a.vocab), y.reshape(-1)).item() for x, y in vx) / len(vx)
    m.train()
    return l


if a.init:
    model = load_ckpt(a.init)
    cfg = model.c
    cfg.max_position_embeddings = max(cfg.max_position_embeddings, a.seq)
else:
    cfg = Cfg(vocab_size=a.vocab, hidden_size=a.d, num_hidden_layers=a.layers, num_attention_heads=a.heads,
              intermediate_size=a.ffn, max_position_embeddings=max(1024, a.seq))
    model = TinyLlama(cfg)
model.train()
nparams = sum(p.numel() for p in model.parameters())
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=a.lr, betas=(0.9, 0.95))
budget = a.minutes * 60
print(json.dumps({"params": nparams, "cfg": cfg.__dict__, "seq": a.seq, "batch": a.batch, "lr": a.lr,
                  "init": a.init, "train_tokens_available": int(len(train))}), flush=True)
t0 = time.time(); step = 0; ema = None; tokens_seen = 0
while True:
    el = time.time() - t0
    if el > budget or (a.max_steps and step >= a.max_steps):
        break
    frac = el / budget  # cosine schedule over the wall-clock budget
    lo = a.min_lr_frac
    lr = a.lr * min(1.0, (step + 1) / a.warmup) * (lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))
    for g in opt.param_groups:
        g["lr"] = lr
    long_phase = a.seq2 and frac >= 1 - a.seq2_frac
    seq, bs = (a.seq2, max(1, a.batch * a.seq // a.seq2)) if long_phase else (a.seq, a.batch)
    x, y = batch(train, bs, seq)
    loss = F.cross_entropy(model(x).reshape(-1, a.vocab), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    tokens_seen += bs * seq
    ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
    if step % a.eval_every == 0 or step == 1:
        rec = {"step": step, "tokens": tokens_seen, "seq": seq, "train_loss": round(ema, 4), "lr": round(lr, 6),
               "elapsed_s": round(time.time() - t0, 1), "tok_per_s": round(tokens_seen / (time.time() - t0))}
        if step % (a.eval_every * 5) == 0 or step == 1:
            rec["val_loss"] = round(evaluate(model), 4)
        print(json.dumps(rec), flush=True)
        save_ckpt(model, a.out)
vl = evaluate(model)
print(json.dumps({"final_step": step, "tokens": tokens_seen, "train_loss": round(ema, 4), "val_loss": round(vl, 4),
                  "val_ppl": round(math.exp(vl), 2), "elapsed_s": round(time.time() - t0, 1)}), flush=True)
save_ckpt(model, a.out, {"train": {"tokens": tokens_seen, "steps": step, "seq": a.seq, "seq2": a.seq2, "val_loss": vl,
                                  "elapsed_s": time.time() - t0, "init": a.init}})
