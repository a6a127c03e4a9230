"""A synthetic inbox of N documents for the scale benchmark, generated from the demo corpus.

Deterministic (seeded): the same N and seed give the same files. Each generated case folder copies
a demo case's case.toml under a new slug; each document is a perturbed copy of one of that demo
case's text documents (TXT/MD, DOCX, PDFs with a text layer; no scans, so no OCR):
- TXT/MD and DOCX: about a fifth of the paragraphs dropped at random, and a closing line naming the copy;
- PDF: the bytes unchanged plus a trailing PDF comment naming the copy (same text, new content hash).
Every file has its own content, so its own document id. Written under a temporary folder, never committed.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

DOCS_PER_CASE = 20


def _has_text_layer(path: Path) -> bool:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf[0].get_textpage().get_text_range().strip()) >= 25
    finally:
        pdf.close()


def sources(demo: Path) -> dict[Path, list[Path]]:
    """Per demo case folder: its documents usable as templates (sorted, for determinism)."""
    out = {}
    for case_toml in sorted(demo.glob("*/case.toml")):
        docs = []
        for p in sorted(case_toml.parent.iterdir()):
            if p.suffix in {".md", ".txt", ".docx"} or (p.suffix == ".pdf" and _has_text_layer(p)):
                docs.append(p)
        out[case_toml.parent] = docs
    return out


def _perturb_text(text: str, rng: random.Random, tag: str) -> str:
    paras = text.split("\n\n")
    kept = [p for i, p in enumerate(paras) if i == 0 or rng.random() > 0.2]
    return "\n\n".join(kept).rstrip("\n") + f"\n\nCatatan salinan {tag}.\n"


def _perturb_docx(src: Path, dest: Path, rng: random.Random, tag: str) -> None:
    import docx

    d = docx.Document(str(src))
    for i, p in enumerate(list(d.paragraphs)):
        if i > 0 and p.text.strip() and rng.random() < 0.2:
            p._element.getparent().remove(p._element)
    d.add_paragraph(f"Catatan salinan {tag}.")
    d.save(str(dest))


def pdf_page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def generate(dest: Path, n: int, demo: Path, seed: int = 7, pdf_pages: int | None = None) -> Path:
    """Write an inbox of n documents into dest (emptied first); returns dest.

    Templates are drawn at random from each demo case's documents, so the share of PDFs follows the demo
    corpus's own mix (which has shifted to TXT/MD/DOCX as cases were added). With `pdf_pages`, each draw
    takes a PDF template while the inbox's PDF pages are behind an even pace towards that many pages and
    a TXT/MD/DOCX one otherwise: issue #19's inbox is "about 340 documents, 620 PDF pages"."""
    rng = random.Random(seed)
    templates = sources(demo)
    demo_cases = list(templates)
    pages_of = {p: pdf_page_count(p) for docs in templates.values() for p in docs if p.suffix == ".pdf"}
    pdf_so_far = 0
    if dest.exists():
        shutil.rmtree(dest)
    made = 0
    k = 0
    while made < n:
        demo_case = demo_cases[k % len(demo_cases)]
        slug = f"{demo_case.name}-b{k:03d}"
        folder = dest / slug
        folder.mkdir(parents=True)
        toml = (demo_case / "case.toml").read_text(encoding="utf-8")
        toml, subs = re.subn(r'(?m)^slug\s*=.*$', f'slug = "{slug}"', toml)
        if not subs:
            toml = f'slug = "{slug}"\n' + toml
        (folder / "case.toml").write_text(toml, encoding="utf-8")
        for i in range(min(DOCS_PER_CASE, n - made)):
            src = rng.choice(templates[demo_case])
            if pdf_pages is not None:
                want_pdf = pdf_so_far < pdf_pages * (made + 1) / n
                pool = [p for p in templates[demo_case] if (p.suffix == ".pdf") == want_pdf]
                src = rng.choice(pool) if pool else src
                pdf_so_far += pages_of.get(src, 0)
            tag = f"{k}-{i}"
            target = folder / f"{src.stem}_{i:03d}{src.suffix}"
            if src.suffix in {".md", ".txt"}:
                raw = src.read_bytes()
                encoding = "utf-8"
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:  # the demo corpus has a Latin-1 file on purpose: keep its encoding
                    encoding = "latin-1"
                target.write_bytes(_perturb_text(raw.decode(encoding), rng, tag).encode(encoding))
            elif src.suffix == ".docx":
                _perturb_docx(src, target, rng, tag)
            else:
                target.write_bytes(src.read_bytes() + f"\n% sistercity bench copy {tag}\n".encode())
            made += 1
        k += 1
    return dest
