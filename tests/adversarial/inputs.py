"""Bad inputs, built on the fly (each a few kilobytes on disk, however much it expands to).

Shared by the adversarial tests and by `bench/adversarial.py`, which runs them through a whole run
and records the peak memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

TEXT = ("Pemerintah Kota Karangsari dan Kota Seokjin menandatangani Nota Kesepahaman kerja sama "
        "di bidang pariwisata dan pendidikan. Kunjungan balasan dilaksanakan pada bulan Agustus 2015.")


def docx_bytes(text: str = TEXT) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _rewrite_docx(change) -> bytes:
    """A valid DOCX with word/document.xml replaced by change(original xml)."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = change(data)
            z.writestr(info.filename, data)
    return out.getvalue()


def cut_docx() -> bytes:
    """A valid ZIP whose word/document.xml stops half-way (finding 1)."""
    return _rewrite_docx(lambda xml: xml[: len(xml) // 2])


def docx_bomb(mb: int = 48) -> bytes:
    """A DOCX of some kilobytes whose document.xml holds `mb` MB of paragraphs (finding 2)."""
    para = b"<w:p><w:r><w:t>" + TEXT.encode() + b"</w:t></w:r></w:p>"

    def change(xml: bytes) -> bytes:
        head, _, tail = xml.partition(b"<w:body>")
        return head + b"<w:body>" + para * (mb * 1024 * 1024 // len(para)) + tail

    return _rewrite_docx(change)


def image_pdf(pages: int, *, width_pt: float = 595, height_pt: float = 842, px: int = 120) -> bytes:
    """A PDF of `pages` scanned pages (one small grey image each, no text layer)."""
    from PIL import Image, ImageDraw

    images = []
    for i in range(pages):
        im = Image.new("L", (px, int(px * height_pt / width_pt) or 1), 255)
        ImageDraw.Draw(im).rectangle((10, 10, 40, 20 + i % 20), fill=0)
        images.append(im)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=px * 72 / width_pt)
    return out.getvalue()


def utf16_without_bom(text: str = TEXT, encoding: str = "utf-16-le") -> bytes:
    return text.encode(encoding)


BAD_CASE_TOMLS = {
    "wrong-city-type": 'title = "x"\ncities = [1]\n',
    "wrong-name-type": 'name = "x"\n[[cities]]\nname = 12\nside = "local"\n',
    "binary": b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00",
    "syntax": 'title = "unclosed\n',
}


def write_adversarial_inbox(inbox: Path, outside: Path) -> dict[str, str]:
    """An inbox holding every bad input of issue #16 beside one good case; returns {relpath: expected reason
    code} for the files that must be recorded as failed. `outside` is a folder out of the inbox (a secret)."""
    good = inbox / "good-case"
    good.mkdir(parents=True)
    (good / "case.toml").write_text('title = "Karangsari - Seokjin"\n[[cities]]\nname = "Karangsari"\n'
                                    'side = "local"\n[[cities]]\nname = "Seokjin"\nside = "partner"\n')
    (good / "good.txt").write_text(TEXT)
    (good / "good.docx").write_bytes(docx_bytes())
    (good / "utf16.txt").write_bytes(utf16_without_bom())
    expected = {}
    files = {"cut.docx": (cut_docx(), "corrupt"), "bomb.docx": (docx_bomb(), "too_large"),
             "many_pages.pdf": (image_pdf(1001), "too_many_pages")}
    for name, (data, code) in files.items():
        (good / name).write_bytes(data)
        expected[f"good-case/{name}"] = code
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (good / "passwd_link.txt").symlink_to(secret)
    expected["good-case/passwd_link.txt"] = "outside_inbox"
    (good / "dangling.txt").symlink_to(inbox / "nowhere.txt")
    expected["good-case/dangling.txt"] = "broken_link"
    for slug, content in BAD_CASE_TOMLS.items():
        folder = inbox / slug
        folder.mkdir()
        (folder / "case.toml").write_bytes(content if isinstance(content, bytes) else content.encode())
        (folder / "doc.txt").write_text(TEXT)
        expected[f"{slug}/case.toml"] = "invalid_case"
        expected[f"{slug}/doc.txt"] = "invalid_case"
    return expected
