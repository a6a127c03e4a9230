"""The sentence bank (annotations/bank/, pipeline/classify/train.load_bank): its format, its checks, and that it
is the project's own writing (no 8 words in a row shared with the real development texts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.classify.train import BANK_DIR, load_bank
from pipeline.paths import annotations_dir

REALDEV = Path(__file__).resolve().parents[2].parent / "shared" / "realdev"


def _write(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "w.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return folder


SNIPPET = {"snippet": "w-001", "pair": "sindang-haewol", "doc_type": "news", "lang": "id", "register": "news",
           "sentences": [{"text": "Kota Sindang menerima delegasi Haewol.", "stance": "positive", "elements": ["commitment"],
                          "obstacles": []},
                         {"text": "Baca juga: Festival kuliner dibuka.", "stance": "neutral", "elements": [], "obstacles": []},
                         {"text": "Anggaran kunjungan balasan dicoret.", "stance": "obstacle", "elements": ["reciprocity"],
                          "obstacles": ["budget"]}]}


def test_a_snippet_is_one_document_of_its_pair_with_neighbours(tmp_path):
    examples = load_bank(_write(tmp_path / "bank", [SNIPPET]))
    assert [e.stance for e in examples] == ["positive", "neutral", "obstacle"]
    assert {e.case for e in examples} == {"bank-sindang-haewol"} and {e.doc for e in examples} == {"bank-sindang-haewol/w-001"}
    assert examples[1].before == examples[0].text and examples[1].after == examples[2].text
    assert examples[0].before == "" and examples[2].after == ""
    assert examples[2].obstacles == ["budget"] and examples[0].doc_type == "news"
    assert load_bank(tmp_path / "nothing") == []


@pytest.mark.parametrize("change,reason", [
    ({"stance": "good"}, "stance 'good'"),
    ({"elements": ["trust"]}, "element 'trust'"),
    ({"stance": "neutral"}, "a neutral sentence with elements"),
    ({"obstacles": ["weather"], "stance": "obstacle"}, "obstacle code 'weather'"),
    ({"obstacles": ["budget"]}, "not an obstacle"),
])
def test_bad_labels_name_the_file_and_line(tmp_path, change, reason):
    bad = json.loads(json.dumps(SNIPPET))
    bad["sentences"][0].update(change)
    with pytest.raises(ValueError, match=rf"w\.jsonl:2: .*{re.escape(reason)}"):
        load_bank(_write(tmp_path / "bank", [SNIPPET, bad]))


def test_a_line_that_is_not_a_snippet(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "w.jsonl").write_text('{"snippet": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"w\.jsonl:1: not a bank snippet"):
        load_bank(folder)


BANK = annotations_dir() / BANK_DIR


@pytest.mark.skipif(not BANK.is_dir(), reason="no sentence bank in annotations/")
def test_the_shipped_bank_loads_and_reads_like_the_field():
    examples = load_bank(BANK)
    assert len(examples) >= 3000
    share = {s: sum(e.stance == s for e in examples) / len(examples) for s in ("neutral", "positive", "obstacle")}
    assert 0.5 <= share["neutral"] <= 0.8  # as real sources: evidence is the minority
    assert len({e.case for e in examples}) >= 50


def _grams(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.skipif(not BANK.is_dir() or not REALDEV.is_dir(), reason="needs annotations/bank and ../shared/realdev")
def test_the_bank_shares_no_eight_words_with_the_real_texts():
    real: set[str] = set()
    for path in REALDEV.glob("*/*.txt"):
        real |= _grams(path.read_text(encoding="utf-8", errors="replace"))
    shared = {path.name: sorted(_grams(path.read_text(encoding="utf-8")) & real)[:3] for path in BANK.glob("*.jsonl")}
    assert not any(shared.values()), shared
