"""A second entity backend built on stanza (extra `[stanza]`).

The project trains its own stanza NER from annotations/ with stanza's own
training entry point (`stanza.models.ner_tagger`), ships it in
models/ner_stanza.vN/ and loads it with `download_method=None`: nothing is
fetched at run time.

- Tokens and sentences come from our own tokenizer (`tokenize`), which keeps
  character offsets, so every predicted entity maps back to an exact span of
  the document text. Every gold entity boundary in annotations/entities.jsonl
  falls on one of its token boundaries (checked when the data is built), so a
  trained tokenizer would not add anything here.
- Stanza's tagger wants pretrained word vectors. We make them from the
  project's own plain texts (annotations/documents.jsonl, the training
  documents only): positive PMI over a +-4 word window, reduced by a truncated
  SVD, written as a stanza `Pretrain` file. No character LM.
- If the user has stanza's published Indonesian models (tokenize, pos, lemma,
  depparse) in their stanza resources folder, `load_stanza` also loads them
  (offline) and runs pos/lemma/depparse on the same tokens.

`pipeline.quality.stanza.evaluate_stanza_loco` measures the backend
leave-one-case-out (train on the annotated documents of five cases, test on the
sixth), exact span+label precision/recall/F1 per label, the same split and
counting as the spaCy backend in pipeline/quality/evaluation.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.data import ENTITY_LABELS

log = logging.getLogger(__name__)

MODEL_PREFIX = "ner_stanza"
NER_FILE = "ner.pt"
PRETRAIN_FILE = "pretrain.pt"
RESOURCES_FILE = "resources.json"
INSTALL_HINT = "pip install 'sistercity[stanza]'"
PUBLISHED_PROCESSORS = ("tokenize", "pos", "lemma", "depparse")

# Abbreviations whose full stop belongs to the token ("Dr.", "St. Columba's"); initials ("A.", "R.A.").
_ABBREVIATIONS = (r"(?:Dr|Drs|Dra|Prof|Ir|Hj|H|St|Muh|Moh|Moch|Mhd|Sdr|Sdri|Bpk|Mr|Mrs|Ms|Jl|No|Kec|Kab|Kel|dll|dsb|dkk|Tbk|Co|Inc|Ltd"
                  r"|Jr|Sr|S\.Pd|S\.T|M\.Si|M\.Pd|S\.E|S\.H|M\.M|e\.V)\.(?!\w)")  # e.V.: a German association
# Suffixes written after a hyphen that are no part of the name before them: "Seokjin-nya", "Takahashi-san".
CLITICS = r"(?:nya|san|sama|sensei|ssi|nim|kun|ku|mu|lah|kah|pun)"
TOKEN_RE = re.compile(
    _ABBREVIATIONS
    + r"|(?:[A-Za-z0-9-]+\.)+(?i:com|net|org|id|my|sg|au|uk|jp|kr|de|ph)\b(?!\.\w)"  # Tribun-Papua.com, news.go.id
    + r"|(?:[A-Z]\.){2,}"  # R.A.
    + r"|[A-Z]\.(?=\s[A-Z])"  # an initial before a name
    + r"|\d+(?:[.,/:-]\d+)*(?:-an)?"  # 150.000.000, 25/11/2016, 2000-an
    + r"|\w+(?:['’](?![sS]\b)\w+|-(?!" + CLITICS + r"\b)\w+)*"  # words, Jung-Gu, O'Neill (but "Seokjin" + "'s", "-nya")
    + r"|-" + CLITICS + r"\b"
    + r"|['’][sS]\b"
    + r"|[^\w\s]"
)
SENTENCE_END = {".", "!", "?"}
_CONTINUES = re.compile(r"[ \t]*[a-z0-9]")
MAX_SENTENCE_TOKENS = 150


def _require_stanza():
    try:
        import stanza
        import torch  # noqa: F401  (stanza needs it; say so here rather than deep inside stanza)
    except ImportError as exc:
        raise ImportError(f"the stanza backend needs stanza and torch: {INSTALL_HINT}") from exc
    return stanza


# --------------------------------------------------------------------------- tokens
def tokenize(text: str) -> list[list[tuple[int, int]]]:
    """Sentences of (start, end) token offsets into `text`.

    A sentence ends after ".", "!" or "?" (unless a lower-case word or a
    number follows on the same line: "Agt. 2017"), at a line break, or after
    MAX_SENTENCE_TOKENS tokens (long table rows).
    """
    sentences: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for m in TOKEN_RE.finditer(text):
        if current and ("\n" in text[current[-1][1]:m.start()] or len(current) >= MAX_SENTENCE_TOKENS):
            sentences.append(current)
            current = []
        current.append((m.start(), m.end()))
        if m.group(0) in SENTENCE_END and not _CONTINUES.match(text, m.end()):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def _sentence_tags(sentence: list[tuple[int, int]], spans: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * len(sentence)
    index = {s: i for i, (s, _) in enumerate(sentence)}
    ends = {e: i for i, (_, e) in enumerate(sentence)}
    for start, end, label in spans:
        i, j = index[start], ends[end]
        tags[i] = f"B-{label}"
        for k in range(i + 1, j + 1):
            tags[k] = f"I-{label}"
    return tags


def documents_to_sentences(docs: list[dict], gold_by_doc: dict[str, list[dict]]) -> list[list[dict]]:
    """Stanza NER training sentences ([{"text", "ner"}, ...]) from documents and their gold mentions.

    Raises ValueError naming the document and mention if a gold mention does
    not fall on token boundaries or crosses a sentence boundary.
    """
    out: list[list[dict]] = []
    for d in docs:
        text = d["text"]
        sentences = tokenize(text)
        where: dict[int, int] = {}
        for n, sent in enumerate(sentences):
            for s, _ in sent:
                where[s] = n
        per_sentence: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for g in gold_by_doc.get(d["doc"], []):
            n = where.get(g["start"])
            if n is None or not any(e == g["end"] for _, e in sentences[n]):
                raise ValueError(f"annotations: entity {g['text']!r} at {g['start']}-{g['end']} in {d['doc']} does not "
                                 "fall on token boundaries within one sentence of pipeline.nlp.stanza_backend.tokenize")
            per_sentence[n].append((g["start"], g["end"], g["label"]))
        for n, sent in enumerate(sentences):
            tags = _sentence_tags(sent, sorted(per_sentence[n]))
            out.append([{"text": text[s:e], "ner": t} for (s, e), t in zip(sent, tags)])
    return out


# --------------------------------------------------------------------------- word vectors
def train_word_vectors(texts: list[str], vec_path: Path, dim: int = 100, window: int = 4, min_count: int = 2) -> int:
    """Word vectors from `texts` (PPMI over a symmetric window, truncated SVD), in word2vec text format.

    Words are lowercased, as stanza's tagger looks them up. Returns the vocabulary size.
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import svds

    docs = [[text[s:e].lower() for sent in tokenize(text) for s, e in sent] for text in texts]
    counts = Counter(w for doc in docs for w in doc)
    vocab = [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if c >= min_count and " " not in w]
    ids = {w: i for i, w in enumerate(vocab)}
    pairs: Counter = Counter()
    for doc in docs:
        seq = [ids.get(w, -1) for w in doc]
        for i, a in enumerate(seq):
            if a < 0:
                continue
            for j in range(max(0, i - window), min(len(seq), i + window + 1)):
                b = seq[j]
                if j != i and b >= 0:
                    pairs[(a, b)] += 1.0 / abs(i - j)  # nearer words weigh more
    rows, cols = zip(*pairs.keys())
    values = np.fromiter(pairs.values(), dtype=np.float64)
    total = values.sum()
    row_sum = np.bincount(rows, weights=values, minlength=len(vocab))
    col_sum = np.bincount(cols, weights=values, minlength=len(vocab)) ** 0.75  # context distribution smoothing
    col_sum = col_sum / col_sum.sum() * total
    pmi = np.log(values * total / (row_sum[list(rows)] * col_sum[list(cols)]))
    keep = pmi > 0
    matrix = coo_matrix((pmi[keep], (np.array(rows)[keep], np.array(cols)[keep])), shape=(len(vocab), len(vocab))).tocsr()
    k = min(dim, len(vocab) - 1)
    u, s, _ = svds(matrix, k=k, random_state=0)
    vectors = u * np.sqrt(s)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    with vec_path.open("w", encoding="utf-8") as f:
        f.write(f"{len(vocab)} {k}\n")
        for w, v in zip(vocab, vectors):
            f.write(w + " " + " ".join(f"{x:.5f}" for x in v) + "\n")
    return len(vocab)


def make_pretrain(vec_path: Path, pt_path: Path) -> int:
    """Stanza's own Pretrain object reads the vectors and saves its .pt file."""
    _require_stanza()
    from stanza.models.common.pretrain import Pretrain

    pretrain = Pretrain(str(pt_path), str(vec_path), max_vocab=-1, save_to_file=True)
    pretrain.load()
    return len(pretrain)


# --------------------------------------------------------------------------- training
@dataclass
class StanzaSettings:
    """Training settings for stanza's tagger: small, so a CPU trains it in minutes."""

    max_steps: int = 1000  # an upper bound: training stops after 200 steps without a better dev F1
    eval_interval: int = 50
    batch_size: int = 32
    optim: str = "adam"
    lr: float = 0.003
    hidden_dim: int = 96
    char_hidden_dim: int = 48
    char_emb_dim: int = 50
    word_dim: int = 100
    dropout: float = 0.5
    dev_every: int = 10  # every 10th training sentence goes to the dev set that picks the best step
    seed: int = 1234
    extra: list[str] = field(default_factory=list)

    def tagger_args(self) -> list[str]:
        return ["--max_steps", str(self.max_steps), "--eval_interval", str(self.eval_interval),
                "--max_steps_no_improve", str(self.eval_interval * 4), "--batch_size", str(self.batch_size),
                "--optim", self.optim, "--lr", str(self.lr), "--hidden_dim", str(self.hidden_dim),
                "--char_hidden_dim", str(self.char_hidden_dim), "--char_emb_dim", str(self.char_emb_dim),
                "--dropout", str(self.dropout), "--scheme", "bioes", "--seed", str(self.seed), "--cpu", *self.extra]


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {n} is not JSON: {exc}") from exc
    return rows


def load_annotations(annotations_dir: Path) -> tuple[list[dict], dict[str, list[dict]], list[dict]]:
    """(fully annotated documents, gold mentions by document, all documents)."""
    annotations_dir = Path(annotations_dir)
    for name in ("documents.jsonl", "entities.jsonl"):
        if not (annotations_dir / name).exists():
            raise FileNotFoundError(f"{annotations_dir / name}: missing (the stanza backend trains from it)")
    all_docs = _read_jsonl(annotations_dir / "documents.jsonl")
    gold: dict[str, list[dict]] = defaultdict(list)
    for e in _read_jsonl(annotations_dir / "entities.jsonl"):
        gold[e["doc"]].append(e)
    return [d for d in all_docs if d.get("entities")], gold, all_docs


def data_hash(annotations_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("documents.jsonl", "entities.jsonl"):
        h.update((Path(annotations_dir) / name).read_bytes())
    return h.hexdigest()[:16]


def train_stanza_ner(annotations_dir: Path, out_dir: Path, docs: list[str] | None = None,
                     settings: StanzaSettings | None = None, vector_docs: list[str] | None = None) -> dict:
    """Train stanza's NER on the annotated documents (all, or the ids in `docs`) into `out_dir`.

    Writes out_dir/ner.pt (the tagger), out_dir/pretrain.pt (its word vectors)
    and out_dir/resources.json (an empty stanza resources file, so loading never
    looks elsewhere). Word vectors come from the plain texts of `vector_docs`
    (default: every document of the cases the training documents belong to, so
    a held-out case never contributes). Returns a summary for the model card.
    """
    _require_stanza()
    settings = settings or StanzaSettings()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    annotated, gold, all_docs = load_annotations(annotations_dir)
    train_docs = [d for d in annotated if docs is None or d["doc"] in set(docs)]
    if not train_docs:
        raise ValueError(f"{annotations_dir}: none of the requested documents is entity-annotated")
    cases = {d["case"] for d in train_docs}
    if vector_docs is None:
        vector_texts = [d["text"] for d in all_docs if d["case"] in cases]
    else:
        vector_texts = [d["text"] for d in all_docs if d["doc"] in set(vector_docs)]

    sentences = documents_to_sentences(train_docs, gold)
    sentences = [s for s in sentences if s]
    train = [s for i, s in enumerate(sentences) if i % settings.dev_every != settings.dev_every - 1]
    dev = [s for i, s in enumerate(sentences) if i % settings.dev_every == settings.dev_every - 1]
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="stanza-ner-") as tmp:
        tmp_dir = Path(tmp)
        vocab_size = train_word_vectors(vector_texts, tmp_dir / "vectors.txt", dim=settings.word_dim)
        make_pretrain(tmp_dir / "vectors.txt", out_dir / PRETRAIN_FILE)
        (tmp_dir / "train.json").write_text(json.dumps(train, ensure_ascii=False), encoding="utf-8")
        (tmp_dir / "dev.json").write_text(json.dumps(dev, ensure_ascii=False), encoding="utf-8")
        cmd = [sys.executable, "-m", "stanza.models.ner_tagger", "--mode", "train", "--shorthand", "id_sistercity",
               "--train_file", str(tmp_dir / "train.json"), "--eval_file", str(tmp_dir / "dev.json"),
               "--wordvec_pretrain_file", str(out_dir / PRETRAIN_FILE), "--save_dir", str(tmp_dir / "saved"),
               "--save_name", NER_FILE, *settings.tagger_args()]
        log.info("training stanza NER: %s", " ".join(cmd))
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        (out_dir / "train.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if proc.returncode != 0 or not (tmp_dir / "saved" / NER_FILE).exists():
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
            raise RuntimeError(f"stanza.models.ner_tagger failed (exit {proc.returncode}); log in {out_dir / 'train.log'}:\n{tail}")
        shutil.move(str(tmp_dir / "saved" / NER_FILE), out_dir / NER_FILE)
    (out_dir / RESOURCES_FILE).write_text("{}\n", encoding="utf-8")
    log_text = (out_dir / "train.log").read_text(encoding="utf-8")
    best = re.findall(r"Best dev F1 = ([\d.]+), at iteration = (\d+)", log_text)
    steps = re.findall(r"Training ended with (\d+) steps", log_text)
    return {"documents": [d["doc"] for d in train_docs], "cases": sorted(cases),
            "train_sentences": len(train), "dev_sentences": len(dev),
            "vectors": {"method": "PPMI (window 4, 1/distance weights, context smoothing 0.75) + truncated SVD",
                        "dim": settings.word_dim, "vocab": vocab_size, "documents": len(vector_texts)},
            "dev_f1": float(best[-1][0]) / 100 if best else None, "best_step": int(best[-1][1]) if best else None,
            "steps": int(steps[-1]) if steps else None, "seconds": round(time.time() - started, 1)}


def next_version_dir(models_dir: Path) -> Path:
    versions = [int(m.group(1)) for p in Path(models_dir).glob(f"{MODEL_PREFIX}.v*")
                if (m := re.fullmatch(rf"{MODEL_PREFIX}\.v(\d+)", p.name))]
    return Path(models_dir) / f"{MODEL_PREFIX}.v{max(versions, default=0) + 1}"


def newest_model_dir(models_dir: Path) -> Path | None:
    versions = [(int(m.group(1)), p) for p in Path(models_dir).glob(f"{MODEL_PREFIX}.v*")
                if (m := re.fullmatch(rf"{MODEL_PREFIX}\.v(\d+)", p.name)) and (p / NER_FILE).exists()]
    return max(versions)[1] if versions else None


def release_stanza_ner(annotations_dir: Path, models_dir: Path, settings: StanzaSettings | None = None,
                       loco: dict | None = None) -> Path:
    """Train on every annotated document into a new models/ner_stanza.vN/ with its card.json.

    `loco` is a result of `pipeline.quality.stanza.evaluate_stanza_loco` for the card; it is used only
    if it was measured on the same data and settings.
    """
    settings = settings or StanzaSettings()
    folder = next_version_dir(models_dir)
    tmp = folder.with_name(folder.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    summary = train_stanza_ner(annotations_dir, tmp, settings=settings)
    import stanza
    import torch

    card = {"name": folder.name, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": "stanza", "stanza": stanza.__version__, "torch": torch.__version__,
            "data": ["documents.jsonl", "entities.jsonl"], "data_sha256": data_hash(annotations_dir),
            "labels": list(ENTITY_LABELS), "tokenizer": "pipeline.nlp.stanza_backend.tokenize (regex, exact offsets)",
            "settings": asdict(settings), "training": summary,
            "files": {NER_FILE: "stanza NER tagger (BiLSTM-CRF, char model, no charlm)",
                      PRETRAIN_FILE: "word vectors trained on the project's plain texts",
                      RESOURCES_FILE: "empty stanza resources file (offline loading)"}}
    same = (loco is not None and loco.get("data_sha256") == card["data_sha256"]
            and loco.get("settings") == card["settings"])
    card["leave_one_case_out"] = ({"overall": loco["overall"], "per_label": loco["per_label"], "source": "evaluation/stanza.json"}
                                  if same else None)
    if not same:
        card["note"] = "no leave-one-case-out figures for these data and settings: run `sistercity evaluate-stanza`"
    (tmp / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.rename(folder)
    log.info("wrote %s", folder)
    return folder


# --------------------------------------------------------------------------- loading and tagging
def published_resources_dir() -> Path | None:
    """The user's stanza resources folder if it holds stanza's published Indonesian tokenize/pos/lemma/depparse."""
    base = Path(os.environ.get("STANZA_RESOURCES_DIR", Path.home() / "stanza_resources"))
    resources_file = base / "resources.json"
    if not resources_file.exists():
        return None
    try:
        resources = json.loads(resources_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("%s: unreadable stanza resources file (%s); using the project's NER only", resources_file, exc)
        return None
    lang = resources.get("id", {})
    while isinstance(lang, dict) and "alias" in lang:
        lang = resources.get(lang["alias"], {})
    defaults = lang.get("default_processors", {}) if isinstance(lang, dict) else {}
    for proc in PUBLISHED_PROCESSORS:
        package = defaults.get(proc)
        if not package or not (base / "id" / proc / f"{package}.pt").exists():
            log.info("stanza's published Indonesian %s model is not in %s; using the project's NER only", proc, base)
            return None
    return base


class StanzaTagger:
    """The shipped stanza NER (and, when present, stanza's published Indonesian pos/lemma/depparse)."""

    def __init__(self, model_dir: Path, use_published: bool = True):
        stanza = _require_stanza()
        self.model_dir = Path(model_dir)
        for name in (NER_FILE, PRETRAIN_FILE):
            if not (self.model_dir / name).exists():
                raise FileNotFoundError(f"{self.model_dir / name}: missing; train one with `sistercity train-stanza`")
        card = self.model_dir / "card.json"
        self.card = json.loads(card.read_text(encoding="utf-8")) if card.exists() else {"name": self.model_dir.name}
        resources = self.model_dir / RESOURCES_FILE
        self.ner = stanza.Pipeline(
            lang="id", dir=str(self.model_dir), processors="tokenize,ner", tokenize_pretokenized=True,
            ner_model_path=str(self.model_dir / NER_FILE), ner_pretrain_path=str(self.model_dir / PRETRAIN_FILE),
            ner_forward_charlm_path=None, ner_backward_charlm_path=None,
            download_method=None, resources_filepath=str(resources) if resources.exists() else None,
            allow_unknown_language=True, use_gpu=False, logging_level="WARN")
        self.published = None
        base = published_resources_dir() if use_published else None
        if base is not None:
            try:
                self.published = stanza.Pipeline(lang="id", dir=str(base), processors=",".join(PUBLISHED_PROCESSORS),
                                                 tokenize_pretokenized=True, download_method=None, use_gpu=False,
                                                 logging_level="WARN")
            except Exception as exc:  # noqa: BLE001 - any failure of an optional add-on leaves the NER working
                log.warning("stanza's published Indonesian models in %s did not load (%s); using the project's NER only",
                            base, exc)

    def annotate(self, text: str):
        """(stanza Document, token offsets per sentence) for `text`."""
        offsets = tokenize(text)
        if not offsets:
            return None, offsets
        words = [[text[s:e] for s, e in sent] for sent in offsets]
        doc = self.ner(words)
        if self.published is not None:
            doc = self.published(doc)
        return doc, offsets

    def tag(self, text: str) -> list[tuple[int, int, str]]:
        doc, offsets = self.annotate(text)
        if doc is None:
            return []
        found: list[tuple[int, int, str]] = []
        for sent, spans in zip(doc.sentences, offsets):
            start = label = None
            end = 0
            for token, (s, e) in zip(sent.tokens, spans):
                tag = token.ner or "O"
                prefix, _, kind = tag.partition("-")
                if prefix in ("B", "S") or (prefix in ("I", "E") and kind != label) or prefix == "O":
                    if label is not None:
                        found.append((start, end, label))
                    start, label = (s, kind) if prefix != "O" else (None, None)
                end = e
                if prefix in ("E", "S") and label is not None:
                    found.append((start, end, label))
                    start = label = None
            if label is not None:
                found.append((start, end, label))
        return [f for f in found if f[2] in ENTITY_LABELS]


_TAGGER: StanzaTagger | None = None


def load_stanza(models_dir: Path | None = None, version: str | None = None, use_published: bool = True) -> StanzaTagger:
    """Load the newest shipped models/ner_stanza.vN/ (or `version`) fully offline and make it the default for `tag_text_stanza`.

    `models_dir` may also be a model folder itself (one holding ner.pt).
    """
    global _TAGGER
    _require_stanza()
    if models_dir is None:
        from pipeline.paths import models_dir as default_models_dir

        models_dir = default_models_dir()
    models_dir = Path(models_dir)
    if (models_dir / NER_FILE).exists():
        folder = models_dir
    elif version:
        folder = models_dir / version
    else:
        folder = newest_model_dir(models_dir)
    if folder is None or not folder.exists():
        raise FileNotFoundError(f"{models_dir}: no {MODEL_PREFIX}.vN model folder; train one with `sistercity train-stanza`")
    _TAGGER = StanzaTagger(folder, use_published=use_published)
    return _TAGGER


def tag_text_stanza(text: str, tagger: StanzaTagger | None = None) -> list[tuple[int, int, str]]:
    """Entities in `text` as (start, end, label); text[start:end] is exactly the mention."""
    tagger = tagger or _TAGGER or load_stanza()
    return tagger.tag(text)


__all__ = ["StanzaSettings", "StanzaTagger", "documents_to_sentences",
           "load_stanza", "release_stanza_ner", "tag_text_stanza", "tokenize",
           "train_stanza_ner"]
