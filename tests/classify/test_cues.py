"""Codebook cue features, negation scope and neighbour stacking."""

from __future__ import annotations

from pipeline.classify.cues import cue_string
from pipeline.classify.model import Example, PassageClassifier, PassageVectorizer, with_context
from pipeline.classify.train import load_examples
from pipeline.paths import annotations_dir


def test_cues_mark_codebook_wordings_and_their_negation():
    tokens = cue_string("Setelah penandatanganan belum ada tindak lanjut karena anggaran terbatas.").split()
    assert "zzob_no_follow_up" in tokens and "zzob_no_follow_up__neg" in tokens  # inside the scope of "belum"
    assert "zzob_budget" in tokens
    assert "zzsc_neg_tindak" in tokens and "zzsc_tindak" in tokens
    plain = cue_string("Tindak lanjut MoU dibahas dalam rapat pokja.").split()
    assert "zzob_no_follow_up" in plain and "zzob_no_follow_up__neg" not in plain
    assert {"zzcue_commitment_meeting", "zzcue_commitment_team"} <= set(plain)
    assert cue_string("Cuaca cerah.") == ""


def test_scope_reaches_only_the_next_three_words():
    tokens = cue_string("Program belum satu dua tiga berjalan.").split()
    assert "zzsc_neg_tiga" in tokens and "zzsc_neg_berjalan" not in tokens


def test_cue_block_is_optional_and_old_vectorizers_still_transform():
    examples = with_context([Example(text=t, elements=[], stance="neutral", obstacles=[], doc="c/d") for t in
                             ("anggaran terbatas sekali", "anggaran terbatas lagi", "siswa ikut festival", "siswa ikut pentas")])
    with_cues = PassageVectorizer(cue_weight=0.5).fit(examples)
    plain = PassageVectorizer().fit(examples)
    assert with_cues.transform(examples).shape[1] > plain.transform(examples).shape[1]
    assert len(with_cues.get_feature_names_out()) == with_cues.transform(examples).shape[1]
    del plain.cues_  # a vectorizer pickled before cue features existed
    assert plain.transform(examples).shape[0] == 4


def test_neighbour_stacking_fits_predicts_and_explains():
    examples = load_examples(annotations_dir() / "passages.jsonl")[::12]
    model = PassageClassifier(model="svc", calibrate=False, cue_weight=0.5, neighbour_weight=1.0).fit(examples)
    X = model._transform(examples[:30])
    assert X.shape[1] == len(model.vectorizer_.get_feature_names_out()) + 16  # 2 neighbours x (3 stances + 5 elements)
    preds = model.predict(examples[:30], explain=True)
    assert all(p["stance"] in {"positive", "obstacle", "neutral"} and "why" in p for p in preds)
    # the first passage of a document has no previous neighbour: those columns are zero
    first = next(i for i in range(1, 30) if examples[i].doc != examples[i - 1].doc)
    n = X.shape[1]
    assert X[first, n - 16:n - 8].nnz == 0


def test_neighbour_first_stage_in_folds_of_cases():
    """`first_stage_folds=k`: the neighbours' out-of-fold probabilities from k folds of cases (k + 1 fits, not one
    per case); the stacked features keep their shape."""
    examples = load_examples(annotations_dir() / "passages.jsonl")[::12]
    fits = []
    model = PassageClassifier(model="svc", calibrate=False, cue_weight=0.5, neighbour_weight=1.0, first_stage_folds=2)
    original = model._fit_parts
    model._fit_parts = lambda X, ex: fits.append(len(ex)) or original(X, ex)
    model.fit(examples)
    assert len(fits) == 1 + 2 + 1  # all data, two folds, the second stage
    assert model._transform(examples[:30]).shape[1] == len(model.vectorizer_.get_feature_names_out()) + 16


def test_version3_not_only_but_also_negates_nothing():
    # "tak hanya ... melainkan juga" reports more taking part: its words open no negation scope
    text = "Rombongan itu tak hanya diikuti pemerintah, melainkan juga kalangan pebisnis dan investor."
    v2, v3 = cue_string(text, 2).split(), cue_string(text, 3).split()
    assert "zzsc_neg_diikuti" in v2 and "zzadditive" not in v2
    assert "zzadditive" in v3 and not [t for t in v3 if t.startswith("zzsc_")]
    # a cue inside the first member is marked as such, not as negated
    en = cue_string("The visit was not only ceremonial but also produced a joint plan.", 3).split()
    assert "zzob_ceremonial__additive" in en and "zzob_ceremonial__neg" not in en


def test_version3_keeps_plain_negation_and_stops_at_the_sentence_end():
    assert cue_string("Program itu tidak berjalan.", 3) == cue_string("Program itu tidak berjalan.", 2)
    # no joiner before the full stop: an ordinary "tidak hanya"
    text = "Kerja sama ini tidak hanya seremonial. Namun anggaran kurang."
    assert cue_string(text, 3) == cue_string(text, 2)


def test_cue_string_is_that_of_searching_every_cue_pattern():
    """cue_string tests each cue's opening strings itself (prefilter.opening) before searching it: the tokens
    are those of searching every pattern, for both lexicons, on the demo corpus's paragraphs."""
    from pathlib import Path

    from pipeline.classify import cues

    def reference(text: str, version: int) -> str:
        low = text.lower()
        tokens, spans = cues._scopes(low, cues.NEGATORS if version < 2 else cues.NEGATORS_V2)
        element_cues, obstacle_cues = cues.LEXICONS[version]
        named = [(f"zzcue_{el}_{fam}", p) for el, fams in element_cues.items() for fam, p in fams.items()]
        for name, pattern in named + [(f"zzob_{code}", p) for code, p in obstacle_cues.items()]:
            if (m := pattern.search(low)) is not None:
                tokens.append(name)
                tokens += [f"{name}__{family}" for s, e, family in spans if s <= m.start() < e or m.start() < s < m.end()]
        return " ".join(tokens)

    demo = Path(__file__).resolve().parents[2] / "corpora" / "demo"
    texts = [p for path in sorted(demo.glob("*/*.txt"))[1::2]
             for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    assert len(texts) > 300
    for version in (1, 2):
        got = [cue_string(t, version) for t in texts]
        assert got == [reference(t, version) for t in texts]
        assert sum(t.count("zzcue") + t.count("zzob") for t in got) > 500
    assert any(isinstance(h, tuple) for _, _, h in cues._marks(2)) and any(
        h is not None and not isinstance(h, tuple) for _, _, h in cues._marks(2))  # both kinds of test are used
