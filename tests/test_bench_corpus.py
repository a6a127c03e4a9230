"""The bench's generated inbox (bench/corpus.py): deterministic, and with `pdf_pages` the PDF share the issue asks for."""

from collections import Counter
from pathlib import Path

from bench.corpus import generate, pdf_page_count

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def _files(inbox: Path) -> dict[str, bytes]:
    return {str(p.relative_to(inbox)): p.read_bytes() for p in sorted(inbox.rglob("*")) if p.is_file()}


def test_same_seed_same_inbox(tmp_path):
    a = _files(generate(tmp_path / "a", 24, DEMO))
    b = _files(generate(tmp_path / "b", 24, DEMO))
    docx = {k for k in a if k.endswith(".docx")}  # python-docx stamps the save time into the zip
    assert {k: v for k, v in a.items() if k not in docx} == {k: v for k, v in b.items() if k not in docx}
    assert a.keys() == b.keys()
    assert sum(1 for k in a if not k.endswith("case.toml")) == 24


def test_pdf_pages_steers_the_mix(tmp_path):
    plain = generate(tmp_path / "plain", 60, DEMO)
    heavy = generate(tmp_path / "heavy", 60, DEMO, pdf_pages=110)
    pages = {name: sum(pdf_page_count(p) for p in inbox.rglob("*.pdf")) for name, inbox in
             (("plain", plain), ("heavy", heavy))}
    kinds = Counter(p.suffix for p in heavy.rglob("*") if p.is_file() and p.name != "case.toml")
    assert sum(kinds.values()) == 60
    assert 100 <= pages["heavy"] <= 115, pages
    assert pages["plain"] < pages["heavy"]
    assert kinds[".pdf"] < 60  # the other formats stay in the mix
