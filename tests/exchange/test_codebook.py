from __future__ import annotations

import pytest

from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES
from pipeline.exchange.codebook import CodebookError, infer_stance, labels_of, load_codebook, map_codes


def test_every_code_has_both_definitions_from_the_codebook(codebook):
    keys = [(c.kind, c.key) for c in codebook.codes]
    assert keys == ([("element", e) for e in ELEMENTS] + [("stance", s) for s in STANCES]
                    + [("obstacle", o) for o in OBSTACLE_CODES])
    for c in codebook.codes:
        assert len(c.definition_en) > 10 and len(c.definition_id) > 10, c.key
        assert "**" not in c.description
    assert codebook.get("element", "commitment").label.startswith("Komitmen kedua pihak")
    assert "not evidence" in codebook.get("stance", "neutral").definition_en
    assert "money" in codebook.get("obstacle", "budget").definition_en


def test_a_missing_codebook_names_the_file(tmp_path):
    with pytest.raises(CodebookError, match="CODEBOOK.md"):
        load_codebook(tmp_path / "CODEBOOK.md")
    (tmp_path / "CODEBOOK.md").write_text("### 3.1 `commitment` — Komitmen\n\n**Definition (EN).** x\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="no definition found for .*participation"):
        load_codebook(tmp_path / "CODEBOOK.md")


def test_their_codes_map_by_guid_name_label_or_mapping(codebook):
    ours = codebook.get("obstacle", "budget")
    theirs = [(ours.guid, "renamed", True), ("g2", "Element: Commitment", True), ("g3", "Hasil nyata", True),
              ("g4", "Geld", True), ("g5", "Some group", False), ("g6", "Vibes", True)]
    m = map_codes(codebook, theirs, {"geld": "budget"})
    assert {g: (c.key, m.how[g]) for g, c in m.matched.items()} == {
        ours.guid: ("budget", "guid"), "g2": ("commitment", "name"), "g3": ("outcomes", "name"),
        "g4": ("budget", "mapping file")}
    assert m.unknown == ["Vibes"]
    with pytest.raises(CodebookError, match="codes we do not have: nonsense"):
        map_codes(codebook, theirs, {"Vibes": "nonsense"})


def test_labels_and_inferred_stance(codebook):
    codes = [codebook.get("element", "reciprocity"), codebook.get("obstacle", "language")]
    elements, stance, obstacles = labels_of(codes)
    assert (elements, stance, obstacles) == (["reciprocity"], None, ["language"])
    assert infer_stance(elements, stance, obstacles) == "obstacle"
    assert infer_stance(["outcomes"], None, []) == "positive"
    assert infer_stance([], None, []) == "neutral"
    with pytest.raises(CodebookError, match="several stances"):
        labels_of([codebook.get("stance", "positive"), codebook.get("stance", "obstacle")])
