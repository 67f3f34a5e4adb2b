"""ContextZip embedded model: a small Llama-style decoder (RMSNorm, RoPE, SwiGLU, tied embeddings) plus an
in-graph neural-cache mixture, in plain PyTorch (no `transformers` package).

    p(v | prefix) = lam_n * p_n(v)
                  + lam_c * p_n(v) * (cache_v + beta) / sum_u p_n(u) * (cache_u + beta)      (class cache)
                  + lam_k * p_n(v) * (copy_v  + beta) / sum_u p_n(u) * (copy_u  + beta)      (class copy)
                  + lam_u * (cache_v * r_v + a * uni_v) / (n + a)                            (unigram-spread cache)

  p_n       softmax of the decoder's logits
  cls(v)    normalized token class: the token's text lower-cased with surrounding whitespace stripped
            (" pattern", "Pattern", "pattern" share a class); punctuation/whitespace tokens keep their own id
  cache_v   number of prefix positions s <= t (not padding) with cls(x_s) == cls(v)
  copy_v    number of prefix positions s < t with cls(x_s) == cls(x_t) and cls(x_{s+1}) == cls(v) (induction)
  r_v       uni_v / sum of uni over cls(v): spreads a class count over the class members by corpus frequency
  n         number of non-padding prefix tokens

The exported graph outputs log p (normalized log-probs) as `logits`. All lam sum to 1.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class Cfg:
    def __init__(self, **kw):
        self.vocab_size = 6144
        self.hidden_size = 192
        self.intermediate_size = 512
        self.num_hidden_layers = 4
        self.num_attention_heads = 4
        self.max_position_embeddings = 1024
        self.rms_norm_eps = 1e-5
        self.rope_theta = 10000.0
        self.__dict__.update(kw)

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def hf_config(self, eos_id):
        return {
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size, "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads, "num_key_value_heads": self.num_attention_heads,
            "head_dim": self.head_dim, "max_position_embeddings": self.max_position_embeddings,
            "rms_norm_eps": self.rms_norm_eps, "rope_theta": self.rope_theta, "hidden_act": "silu",
            "tie_word_embeddings": True, "bos_token_id": eos_id, "eos_token_id": eos_id, "pad_token_id": eos_id,
            "torch_dtype": "float32", "use_cache": False,
        }


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c.hidden_size
        self.nh, self.hd = c.num_attention_heads, c.head_dim
        self.ln1 = RMSNorm(d, c.rms_norm_eps)
        self.ln2 = RMSNorm(d, c.rms_norm_eps)
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, c.intermediate_size, bias=False)
        self.up = nn.Linear(d, c.intermediate_size, bias=False)
        self.down = nn.Linear(c.intermediate_size, d, bias=False)

    def forward(self, x, cos, sin, mask, past=None, kv_out=None):
        B, T, D = x.shape
        h = self.ln1(x)
        q = self.q(h).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k(h).view(B, T, self.nh, self.hd).transpose(1, 2)
        v = self.v(h).view(B, T, self.nh, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:  # (tuning only, never exported) keys/values of an already processed prefix
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        if kv_out is not None:
            kv_out.append((k, v))
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd)) + mask
        y = (torch.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(y)
        h = self.ln2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class TinyLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2).float() / c.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("o.weight") or n.endswith("down.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        B, T = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(B, T, dtype=torch.long)
        if position_ids is None:
            # positions count only real tokens, so left padding does not shift them
            position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        x = self.embed(input_ids)
        freqs = position_ids.unsqueeze(-1).float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1).unsqueeze(1)
        cos, sin = emb.cos(), emb.sin()
        idx = torch.arange(T)
        causal = idx.unsqueeze(0) <= idx.unsqueeze(1)
        allowed = causal.unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(2)
        mask = (1.0 - allowed.float()) * -1e9
        for blk in self.layers:
            x = blk(x, cos, sin, mask)
        return F.linear(self.norm(x), self.embed.weight)

    @torch.no_grad()
    def prefix_then(self, prefix, conts):
        """Logits for one prefix (list of ids) followed by each continuation in `conts` (lists of ids), reusing the
        prefix keys/values. Returns (prefix_logits [P, V], [cont_logits [len(c), V] ...]). Batch 1, no padding."""
        P = len(prefix)
        x = self.embed(torch.tensor([prefix]))
        kv = []
        x = self._run(x, torch.arange(P), None, kv)
        pre = F.linear(self.norm(x), self.embed.weight)[0]
        outs = []
        for c in conts:
            y = self.embed(torch.tensor([c]))
            y = self._run(y, torch.arange(P, P + len(c)), kv, None)
            outs.append(F.linear(self.norm(y), self.embed.weight)[0])
        return pre, outs

    def _run(self, x, pos, past, kv_out):
        T = x.shape[1]
        P = past[0][0].shape[2] if past else 0
        freqs = pos.view(1, T, 1).float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1).unsqueeze(1)
        cos, sin = emb.cos(), emb.sin()
        allowed = torch.arange(P + T).unsqueeze(0) <= (torch.arange(T) + P).unsqueeze(1)
        mask = (1.0 - allowed.float()) * -1e9
        for i, blk in enumerate(self.layers):
            x = blk(x, cos, sin, mask, past[i] if past else None, kv_out)
        return x


DEFAULT_MIX = {"lam_n": 1.0, "lam_c": 0.0, "lam_k": 0.0, "lam_u": 0.0, "lam_a": 0.0, "beta": 0.1, "alpha": 1.0}


class MixtureLM(nn.Module):
    """Wraps TinyLlama; forward returns normalized log-probs of the mixture [B, T, V]."""

    def __init__(self, lm, cls_of_vocab, uni, mix=None, assoc=None):
        super().__init__()
        self.lm = lm
        self.assoc = assoc  # train_assoc.Assoc: code-to-description association component (lam_a)
        self.c = lm.c
        self.mix = dict(DEFAULT_MIX, **(mix or {}))
        V = cls_of_vocab.shape[0]
        self.register_buffer("cls", cls_of_vocab.long(), persistent=False)
        uni = uni.float() / uni.sum()
        cls_mass = torch.zeros(int(cls_of_vocab.max()) + 1).index_add_(0, cls_of_vocab.long(), uni)
        self.register_buffer("uni", uni, persistent=False)
        self.register_buffer("spread", uni / cls_mass[cls_of_vocab.long()], persistent=False)
        assert self.cls.shape[0] == V

    def components(self, input_ids, attention_mask=None, position_ids=None, need_copy=True):
        """Returns dict of log p_n, cache counts, copy counts, n (for tuning without re-running the net)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        logp_n = torch.log_softmax(self.lm(input_ids, attention_mask, position_ids), -1)
        m = attention_mask.to(logp_n.dtype)                                # [B,T]
        V = self.cls.shape[0]
        ci = self.cls[input_ids]                                           # [B,T] class of each input token
        E = (ci.unsqueeze(-1) == self.cls.view(1, 1, V)).to(logp_n.dtype) * m.unsqueeze(-1)  # [B,T,V]
        cache = torch.cumsum(E, dim=1)                                     # counts over s <= t
        n = torch.cumsum(m, dim=1).unsqueeze(-1)                           # [B,T,1]
        out = {"logp_n": logp_n, "cache": cache, "n": n}
        if self.assoc is not None and self.mix.get("lam_a", 0) > 0:
            h = self.assoc.bags(ci, m)                                     # mean class embedding of x[..t]
            out["logp_a"] = self.assoc.class_logp(h)[..., self.cls] + torch.log(self.spread)
        if need_copy:
            T = input_ids.shape[1]
            same = (ci.unsqueeze(2) == ci.unsqueeze(1)).to(logp_n.dtype)  # [B,t,s]
            idx = torch.arange(T)
            before = (idx.unsqueeze(0) < idx.unsqueeze(1)).to(logp_n.dtype)  # s < t
            W = same * before * m.unsqueeze(1) * m.unsqueeze(2)
            E_next = torch.cat((E[:, 1:], torch.zeros_like(E[:, :1])), dim=1)  # row s holds class one-hot of x_{s+1}
            out["copy"] = W @ E_next                                       # [B,T,V]
        return out

    def combine(self, comp, mix=None):
        mx = dict(self.mix, **(mix or {}))
        logp_n = comp["logp_n"]
        if mx.get("lam_a", 0) > 0:
            # association term last: log(exp(rest) + lam_a * p_a), written out like the lam_u term
            rest = self.combine(comp, dict(mx, lam_a=0.0))
            b = math.log(mx["lam_a"]) + comp["logp_a"]
            hi = torch.maximum(rest, b)
            return hi + torch.log(torch.exp(rest - hi) + torch.exp(b - hi))
        if mx["lam_c"] == 0 and mx["lam_k"] == 0 and mx["lam_u"] > 0:
            # cheaper graph for the common case: log(lam_n * p_n + lam_u * p_u), p_u > 0 keeps the log finite
            pu = (comp["cache"] * self.spread + mx["alpha"] * self.uni) / (comp["n"] + mx["alpha"])
            return torch.log(mx["lam_n"] * logp_n.exp() + mx["lam_u"] * pu)
        p_n = logp_n.exp()
        beta = mx["beta"]
        r = torch.full_like(logp_n[..., :1], mx["lam_n"])
        if mx["lam_c"] > 0:
            w = comp["cache"] + beta
            r = r + mx["lam_c"] * w / (p_n * w).sum(-1, keepdim=True)
        if mx["lam_k"] > 0:
            w = comp["copy"] + beta
            r = r + mx["lam_k"] * w / (p_n * w).sum(-1, keepdim=True)
        out = logp_n + torch.log(r)
        if mx["lam_u"] > 0:
            pu = (comp["cache"] * self.spread + mx["alpha"] * self.uni) / (comp["n"] + mx["alpha"])
            b = torch.log(mx["lam_u"] * pu)  # lam_n + lam_c + lam_k + lam_u = 1
            hi = torch.maximum(out, b)       # log(exp(out) + exp(b)), written out (aten::logaddexp has no ONNX export)
            out = hi + torch.log(torch.exp(out - hi) + torch.exp(b - hi))
        return out

    def forward(self, input_ids, attention_mask, position_ids=None):
        comp = self.components(input_ids, attention_mask, position_ids, need_copy=self.mix["lam_k"] > 0)
        return self.combine(comp)


def save_ckpt(model, path, extra=None):
    torch.save({"cfg": model.c.__dict__, "state": model.state_dict(), **(extra or {})}, path)


def load_ckpt(path):
    ck = torch.load(path, map_location="cpu")
    m = TinyLlama(Cfg(**ck["cfg"]))
    m.load_state_dict(ck["state"])
    return m


def class_sorted_layout(cls):
    """Vocabulary order of the target-only graph: tokens by class size, then class id, then token id.
    Returns (perm: row -> token, pos: token -> row, new_of_cls: class -> index in that order,
    groups: [(first row, number of classes, class size)] in row order)."""
    cls = cls.long()
    V = cls.shape[0]
    n_cls = int(cls.max()) + 1
    size = torch.bincount(cls, minlength=n_cls)
    order = sorted(range(V), key=lambda v: (int(size[cls[v]]), int(cls[v]), v))
    perm = torch.tensor(order, dtype=torch.long)
    pos = torch.empty_like(perm)
    pos[perm] = torch.arange(V)
    cls_order = []
    for v in order:
        if not cls_order or cls_order[-1] != int(cls[v]):
            cls_order.append(int(cls[v]))
    new_of_cls = torch.empty(n_cls, dtype=torch.long)
    new_of_cls[torch.tensor(cls_order)] = torch.arange(n_cls)
    groups, start = [], 0
    for k in sorted(set(int(x) for x in size.tolist())):
        n = int((size == k).sum())
        groups.append((start, n, k))
        start += n * k
    assert start == V
    return perm, pos, new_of_cls, groups


class TargetMixtureLM(nn.Module):
    """The same mixture as MixtureLM, evaluated only at the next (target) token: forward(input_ids, attention_mask)
    returns target_logprobs [B, T] with column t = log p(input_ids[t+1] | input_ids[..t]) and column T-1 = 0.

    Full-vocabulary work is limited to what a normalizer needs: the decoder head (logits [B, T, V]), its
    log-sum-exp, and the class masses M_t(c) = sum_{u in c} p_n(u) of the cache term's normalizer
        Z_t = sum_u p_n(u) (cache_u + beta) = beta + sum_{s <= t, not padding} M_t(cls(x_s))   (sum_u p_n(u) = 1)
    which is gathered sparsely, at the T classes of the prefix, instead of building a [B, T, V] cache.
    The class masses come without any scatter: the tied embedding (lm.embed.weight in the graph) is stored with its
    rows in class-sorted order (class_sorted_layout: tokens grouped by class size, then class; token v is row
    vocab_pos[v]), so the decoder, fed vocab_pos[input_ids], emits logits in that order and every group of classes of
    size k is one Reshape [.., n_k, k] + ReduceSum. The association term needs its class softmax denominator
    (3944 classes, 64-dim); everything else (cache count of the target's class, unigram, spread) is [B, T] or
    [B, T, T] work. Only lam_k = 0 (no copy component) is supported, as shipped. The buffers are not persistent, so
    they are traced as constants and the graph's initializers are exactly 1.3.0's (same names and shapes)."""

    def __init__(self, mx):
        super().__init__()
        assert mx.mix.get("lam_k", 0) == 0, "the copy component is not supported by the target-only graph"
        import copy
        self.mix = dict(mx.mix)
        self.c = mx.lm.c
        self.assoc = mx.assoc if self.mix.get("lam_a", 0) > 0 else None
        cls = mx.cls.long()
        perm, pos, new_of_cls, self.groups = class_sorted_layout(cls)
        self.lm = copy.deepcopy(mx.lm)
        with torch.no_grad():
            self.lm.embed.weight.copy_(mx.lm.embed.weight[perm])
        self.register_buffer("vocab_pos", pos, persistent=False)              # token id -> row of lm.embed.weight
        self.register_buffer("cls", cls, persistent=False)                    # token id -> class (association classes)
        self.register_buffer("cls_sorted", new_of_cls[cls], persistent=False)  # token id -> class in class-mass order
        self.register_buffer("uni", mx.uni.float().clone(), persistent=False)
        self.register_buffer("spread", mx.spread.float().clone(), persistent=False)

    def forward(self, input_ids, attention_mask):
        mx = self.mix
        B, T = input_ids.shape
        m = attention_mask.to(torch.float32)
        # decoder (TinyLlama.forward on the class-sorted rows): logits [B, T, V] in class-sorted order
        logits = self.lm(self.vocab_pos[input_ids], attention_mask)
        idx = torch.arange(T)
        causal = idx.unsqueeze(0) <= idx.unsqueeze(1)                      # [t, s]: s <= t
        # target = next input token; the last column gets a dummy target and is zeroed at the end
        y = torch.cat((input_ids[:, 1:], torch.zeros_like(input_ids[:, :1])), dim=1)
        hi = logits.max(-1, keepdim=True)[0]
        e = torch.exp(logits - hi)
        S = e.sum(-1)                                                      # [B, T]
        lse = hi.squeeze(-1) + torch.log(S)
        logp_n = torch.gather(logits, 2, self.vocab_pos[y].unsqueeze(-1)).squeeze(-1) - lse
        W = causal.to(torch.float32).unsqueeze(0) * m.unsqueeze(1)         # [B, t, s]: s <= t and s not padding
        cy = self.cls[y]                                                   # [B, T]
        cache_y = ((self.cls[input_ids].unsqueeze(1) == cy.unsqueeze(2)).to(torch.float32) * W).sum(-1)
        out = logp_n
        if mx["lam_c"] > 0:
            parts = []
            for start, n, k in self.groups:
                g = e[:, :, start:start + n * k]
                parts.append(g if k == 1 else g.reshape(B, T, n, k).sum(-1))
            M = torch.cat(parts, dim=-1) / S.unsqueeze(-1)                 # [B, T, C]: class masses of p_n
            xs = self.cls_sorted[input_ids].unsqueeze(1).expand(B, T, T)   # [B, t, s]: class of x_s
            Z = (torch.gather(M, 2, xs) * W).sum(-1) + mx["beta"]
            r = mx["lam_n"] + mx["lam_c"] * (cache_y + mx["beta"]) / Z
            out = logp_n + torch.log(r)
        elif mx["lam_n"] != 1:
            out = logp_n + math.log(mx["lam_n"])
        if mx["lam_u"] > 0:
            n_t = torch.cumsum(m, dim=1)
            pu = (cache_y * self.spread[y] + mx["alpha"] * self.uni[y]) / (n_t + mx["alpha"])
            b = torch.log(mx["lam_u"] * pu)
            hi2 = torch.maximum(out, b)
            out = hi2 + torch.log(torch.exp(out - hi2) + torch.exp(b - hi2))
        if self.assoc is not None:
            h = self.assoc.bags(self.cls[input_ids], m)                    # [B, T, dim]
            z = h @ self.assoc.e_out.weight.T + self.assoc.bias            # [B, T, C]
            zh = z.max(-1, keepdim=True)[0]
            lse_a = zh.squeeze(-1) + torch.log(torch.exp(z - zh).sum(-1))
            logp_a = torch.gather(z, 2, cy.unsqueeze(-1)).squeeze(-1) - lse_a + torch.log(self.spread[y])
            b = math.log(mx["lam_a"]) + logp_a
            hi3 = torch.maximum(out, b)
            out = hi3 + torch.log(torch.exp(out - hi3) + torch.exp(b - hi3))
        return torch.cat((out[:, :-1], torch.zeros_like(out[:, :1])), dim=1)
