"""Normalized token classes for the copy/cache mixture: a class per lower-cased, whitespace-stripped token text,
so "Pattern" (code) and " pattern" (an English query) share one class. Tokens without letters or digits
(punctuation, whitespace, partial UTF-8 bytes) keep a class of their own."""


def _byte_decoder():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def token_text(tok_json):
    """id -> decoded text (None for special tokens)."""
    dec = _byte_decoder()
    V = len(tok_json["model"]["vocab"]) + sum(1 for t in tok_json["added_tokens"] if t["content"] not in tok_json["model"]["vocab"])
    out = [None] * V
    for s, i in tok_json["model"]["vocab"].items():
        try:
            out[i] = bytes(dec[ch] for ch in s).decode("utf-8", errors="replace")
        except KeyError:
            out[i] = None
    return out


def token_classes(tok_json):
    texts = token_text(tok_json)
    keys, cls = {}, []
    for i, t in enumerate(texts):
        k = t.strip().lower() if t is not None else None
        if not k or "\ufffd" in k or not any(ch.isalnum() for ch in k):
            k = ("#id", i)
        cls.append(keys.setdefault(k, len(keys)))
    return cls, len(keys)
