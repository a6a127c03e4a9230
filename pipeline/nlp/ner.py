"""A small statistical NER for Indonesian, trained from annotations/ with spaCy.

The pipeline is spaCy's `id` language with the project's tokenizer (entities.py),
a sentence splitter that agrees with the passage splitter (ingest/segment.py:
"Dr.", "H.", "S.IP", "dll." do not end a sentence), a lookup lemmatizer with the
Indonesian table of spacy-lookups-data, and a `ner` (hash-embedding CNN
tok2vec + transition-based parser), trained from scratch on CPU: no pretrained
vectors, nothing downloaded.

Training examples are the paragraphs of the fully annotated documents
(annotations/documents.jsonl with "entities": true, gold spans from
annotations/entities.jsonl). `pipeline.quality.ner.train_ner` (the release
harness: figures, then training) writes models/ner_spacy.vN/ (the spaCy folder
in `model/` and `card.json`); `load_ner` finds the newest.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.nlp.thinc_ops import use_numpy_gemm
from pipeline.nlp.words import blank_nlp, register_shared_tokenizer, tokenizer_bytes

log = logging.getLogger(__name__)

MODEL_PREFIX = "ner_spacy.v"
PARAGRAPH = re.compile(r"(?:[^\n]|\n(?!\s*\n))+")  # as the source formats define a paragraph
SENTENCES = "sistercity_sentences"
SOURCE_TEXT = "sistercity_text"  # Doc.user_data key: the text a Doc was made from (Doc.text rebuilds it token by token)
UNUSED_BY_NER = ("lemmatizer",)  # components of the shipped pipelines whose output predict_many does not use

# Small CPU model: a hash-embedding CNN (no pretrained vectors) feeding the transition-based NER.
NER_CONFIG = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": 64,
            "depth": 2,
            "embed_size": 1500,
            "window_size": 1,
            "maxout_pieces": 3,
            "subword_features": True,
        },
    }
}


@dataclass(slots=True)
class TrainParams:
    epochs: int = 8
    dropout: float = 0.2
    seed: int = 0
    learn_rate: float = 0.002
    batch_start: int = 4
    batch_stop: int = 32

    def summary(self) -> dict:
        return {"epochs": self.epochs, "dropout": self.dropout, "seed": self.seed, "learn_rate": self.learn_rate,
                "batch": [self.batch_start, self.batch_stop]}


@dataclass(slots=True)
class AnnotatedDoc:
    doc: str
    case: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)


def _read_jsonl(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read annotations file {path}: {exc}") from exc


def load_annotated(annotations: Path) -> list[AnnotatedDoc]:
    """The fully annotated documents with their gold entity spans."""
    docs = {d["doc"]: AnnotatedDoc(d["doc"], d["case"], d["text"])
            for d in _read_jsonl(annotations / "documents.jsonl") if d.get("entities")}
    for e in _read_jsonl(annotations / "entities.jsonl"):
        if e["doc"] in docs:
            docs[e["doc"]].spans.append((e["start"], e["end"], e["label"]))
    return list(docs.values())


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in PARAGRAPH.finditer(text)]


def data_hash(annotations: Path) -> str:
    h = hashlib.sha256()
    for name in ("documents.jsonl", "entities.jsonl"):
        h.update((annotations / name).read_bytes())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- the spaCy pipeline
def _spacy():
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("the NER needs spaCy: pip install spacy") from exc
    return spacy


@functools.cache
def _register_components() -> None:
    from spacy.language import Language

    from pipeline.ingest.segment import sentence_spans

    if SENTENCES in Language.factories or Language.has_factory(SENTENCES):
        return

    @Language.component(SENTENCES)
    def sistercity_sentences(doc):
        """Sentence starts from the passage splitter, so both sides agree on "Dr.", "H.", "S.IP", "dll.".
        Every token is marked, a start (1) or not (-1), as `token.is_sent_start = ...` would, in one array."""
        if not len(doc):
            return doc
        import numpy as np
        from spacy.attrs import IDX, SENT_START

        text = doc.user_data.get(SOURCE_TEXT)  # set by predict_many; Doc.text joins every token's text again
        starts = np.fromiter((s for s, _ in sentence_spans(doc.text if text is None else text)), dtype=np.int64)
        idx = doc.to_array(IDX).astype(np.int64)  # the tokens' offsets, ascending: a sorted search, not np.isin
        at = np.minimum(np.searchsorted(idx, starts), len(idx) - 1)
        flags = np.full(len(idx), -1, dtype=np.int64)
        flags[at[idx[at] == starts]] = 1
        flags = flags.astype(np.uint64)
        flags[0] = 1
        doc.from_array([SENT_START], flags)
        return doc


def base_pipeline(lemmatizer: bool = True):
    """Tokenizer of entities.py, the shared sentence splitter and (when its tables exist) the lookup lemmatizer."""
    _register_components()
    spacy = _spacy()
    tokenizer_nlp = blank_nlp()
    nlp = spacy.blank("id")
    nlp.tokenizer = tokenizer_nlp.tokenizer
    nlp.add_pipe(SENTENCES)
    if lemmatizer and has_lemma_tables():
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    return nlp


@functools.cache
def has_lemma_tables() -> bool:
    """True when spacy-lookups-data ships an Indonesian lemma lookup table (it does: id_lemma_lookup)."""
    try:
        from spacy.lookups import load_lookups

        return "lemma_lookup" in load_lookups("id", ["lemma_lookup"], strict=False).tables
    except (ImportError, ValueError):
        return False


@functools.cache
def sentence_nlp():
    """The pipeline without NER: tokens, sentences, lemmas. Initialised once."""
    nlp = base_pipeline()
    nlp.initialize()
    return nlp


def _examples(nlp, docs: list[AnnotatedDoc]) -> tuple[list, int]:
    from spacy.training import Example

    examples, dropped = [], 0
    for d in docs:
        for ps, pe in paragraphs(d.text):
            text = d.text[ps:pe]
            spans = [(s - ps, e - ps, label) for s, e, label in d.spans if s >= ps and e <= pe]
            pred = nlp.make_doc(text)
            ents = []
            for s, e, label in sorted(spans):
                span = pred.char_span(s, e, label=label)
                if span is None:
                    span = pred.char_span(s, e, label=label, alignment_mode="contract")
                if span is None or (ents and span.start < ents[-1].end):
                    dropped += 1
                    continue
                ents.append(span)
            gold = pred.copy()
            gold.ents = ents
            examples.append(Example(pred, gold))
    return examples, dropped


def fit(docs: list[AnnotatedDoc], params: TrainParams | None = None):
    """A spaCy pipeline with a NER trained on `docs` (from scratch, on CPU)."""
    from spacy.util import compounding, fix_random_seed, minibatch

    params = params or TrainParams()
    fix_random_seed(params.seed)
    nlp = base_pipeline()
    nlp.add_pipe("ner", config=NER_CONFIG)
    examples, dropped = _examples(nlp, docs)
    examples = [ex for ex in examples if ex.reference.ents or len(ex.reference) > 3]
    if dropped:
        log.info("%d gold spans do not align with tokens and were left out of training", dropped)
    from thinc.api import Adam

    optimizer = Adam(params.learn_rate)
    nlp.initialize(lambda: examples, sgd=optimizer)
    rng = random.Random(params.seed)
    for epoch in range(params.epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(params.batch_start, params.batch_stop, 1.001)):
            nlp.update(batch, drop=params.dropout, sgd=optimizer, losses=losses, exclude=["lemmatizer"])
        log.debug("epoch %d loss %.1f", epoch, losses.get("ner", 0.0))
    return nlp


def predict(nlp, text: str) -> list[tuple[int, int, str]]:
    """Entity spans (start, end, label) of one text, paragraph by paragraph."""
    return predict_many(nlp, [text])[0]


def predict_many(nlp, texts: list[str], tokens: list | None = None) -> list[list[tuple[int, int, str]]]:
    """Entity spans (start, end, label) of each text, paragraph by paragraph: one nlp.pipe over every
    paragraph of every text (the same spans as calling the pipeline per paragraph, in a fraction of the time).
    With a list `tokens`, its i-th item is set to the Doc of texts[i] when that text is one paragraph made into
    tokens by the shared tokenizer (words.blank_nlp), else None: the entity rules match places in it rather
    than tokenize the text again (entities.tag_text)."""
    spans = [(i, ps, pe) for i, text in enumerate(texts) for ps, pe in paragraphs(text)]
    out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    if tokens is not None:
        tokens[:] = [None] * len(texts)
        shared = nlp.tokenizer is blank_nlp().tokenizer
    # the lemmatizer sets lemmas only: the NER's features (NORM, PREFIX, SUFFIX, SHAPE) never read them
    docs = nlp.pipe((_made(nlp, texts[i][ps:pe]) for i, ps, pe in spans),
                    disable=[n for n in UNUSED_BY_NER if n in nlp.pipe_names])
    for (i, ps, pe), doc in zip(spans, docs, strict=True):
        out[i] += [(ps + e.start_char, ps + e.end_char, e.label_) for e in doc.ents]
        if tokens is not None and shared and ps == 0 and pe == len(texts[i]):
            tokens[i] = doc
    return out


def _made(nlp, text: str):
    """The Doc nlp.pipe would make of `text`, carrying `text` for the sentence component (SOURCE_TEXT)."""
    doc = nlp.make_doc(text)
    doc.user_data[SOURCE_TEXT] = text
    return doc


def held_out_predictions(annotations: Path, held_case: str, params: TrainParams | None = None,
                         threads: int = 1) -> dict[str, list[tuple[int, int, str]]]:
    """Train on every case but `held_case` and predict that case's documents (one leave-one-case-out fold).

    A top-level function so that folds can run in worker processes.
    """
    _limit_threads(threads)
    docs = load_annotated(annotations)
    nlp = fit([d for d in docs if d.case != held_case], params)
    return {d.doc: predict(nlp, d.text) for d in docs if d.case == held_case}


def loco_predictions(annotations: Path, params: TrainParams | None = None,
                     workers: int = 2) -> dict[str, list[tuple[int, int, str]]]:
    """NER predictions for every annotated document from the fold that did not train on its case."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cases = sorted({d.case for d in load_annotated(annotations)})
    out: dict[str, list[tuple[int, int, str]]] = {}
    if workers <= 1:
        for case in cases:
            out.update(held_out_predictions(annotations, case, params))
        return out
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for fold in pool.map(held_out_predictions, [annotations] * len(cases), cases, [params] * len(cases)):
            out.update(fold)
    return out


def _limit_threads(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        pass
    import sys

    if "torch" in sys.modules:  # thinc may pull torch in; its own pool would fight the other fold for the cores
        sys.modules["torch"].set_num_threads(n)


# --------------------------------------------------------------------------- versions on disk
def versions(models: Path) -> list[tuple[int, Path]]:
    found = []
    for p in models.glob(MODEL_PREFIX + "*"):
        suffix = p.name[len(MODEL_PREFIX):]
        if suffix.isdigit() and (p / "model").is_dir():
            found.append((int(suffix), p))
    return sorted(found)


def newest(models: Path | None = None) -> Path | None:
    from pipeline.paths import models_dir

    found = versions(models or models_dir())
    return found[-1][1] if found else None


@functools.lru_cache(maxsize=4)
def load_ner(folder: Path | None = None):
    """The shipped NER pipeline (newest version unless `folder` names one), or None when none is shipped."""
    folder = folder or newest()
    if folder is None:
        return None
    _register_components()
    model = folder / "model"
    try:
        saved = (model / "tokenizer").read_bytes()  # with all of spaCy's cases, or (saved since) only the needed ones
        same_tokenizer = saved == tokenizer_bytes() or saved == blank_nlp().tokenizer.to_bytes(exclude=["vocab"])
    except OSError:
        same_tokenizer = False
    if same_tokenizer:  # the model's tokenizer is the shared one: use it rather than build and read a copy
        nlp = _spacy().load(model, exclude=["tokenizer"],
                            config={"nlp": {"tokenizer": {"@tokenizers": register_shared_tokenizer()}}})
    else:
        nlp = _spacy().load(model)
    use_numpy_gemm(nlp)  # its matrix products in numpy's BLAS, not BLIS's generic kernel (thinc_ops.py)
    log.info("loaded NER %s", folder.name)
    return nlp
