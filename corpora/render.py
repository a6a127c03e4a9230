"""Render source texts into the formats documents arrive in: text PDF (one or two
columns, running header, page numbers, some end-of-line hyphenation), scanned
PDF (page images, no text layer), DOCX (headings, tables), TXT (UTF-8 or
Windows-1252) and Markdown. Needs the [dev] extra (reportlab, pillow).

Rendering is deterministic: the same sources give the same files, so the
corpus can be rebuilt and diffed.
"""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path

from source_format import DEMO, SOURCES, Source, case_dirs, parse_source

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = 64.0
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
VOWELS = set("aeiouAEIOU")


# --------------------------------------------------------------------------- blocks
def blocks(plain: str) -> list[tuple[str, str]]:
    """Split a plain source body into (kind, text): heading, paragraph, table."""
    out: list[tuple[str, str]] = []
    for para in re.split(r"\n\s*\n", plain.strip()):
        lines = [ln.rstrip() for ln in para.split("\n") if ln.strip()]
        while lines and lines[0].startswith("# "):
            out.append(("heading", lines.pop(0)[2:].strip()))
        if not lines:
            continue
        if all(TABLE_ROW.match(ln) for ln in lines):
            out.extend(("table", ln) for ln in lines if not set(ln) <= set("|-: "))
        else:
            # Speaker turns and list items keep their own lines.
            if len(lines) > 1 and all(re.match(r"^\s*(\S{1,30}:|[-•]|\d+[.)]|[a-z][.)])\s", ln) for ln in lines):
                out.extend(("paragraph", ln.strip()) for ln in lines)
            else:
                out.append(("paragraph", " ".join(ln.strip() for ln in lines)))
    return out


def table_cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


# --------------------------------------------------------------------------- hyphenation
def hyphen_split(word: str) -> int | None:
    """A syllable boundary near the middle of a long alphabetic word, or None."""
    core = word.rstrip(".,;:)")
    if len(core) < 9 or not core.isalpha():
        return None
    for i in range(len(core) // 2, len(core) - 3):
        if core[i - 1] in VOWELS and core[i] not in VOWELS and core[i + 1] in VOWELS:
            return i
    return None


class Wrapper:
    """Greedy line breaking with occasional hyphenation of long words."""

    def __init__(self, font: str, size: float, width: float, salt: str):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self.sw = lambda s: stringWidth(s, font, size)
        self.width = width
        self.counter = zlib.crc32(salt.encode())

    def wrap(self, text: str, width: float | None = None) -> list[str]:
        width = width or self.width
        lines: list[str] = []
        line = ""
        for word in text.split():
            cand = f"{line} {word}" if line else word
            if self.sw(cand) <= width:
                line = cand
                continue
            cut = hyphen_split(word)
            self.counter += 1
            if cut and line and self.counter % 3 == 0:
                head = f"{line} {word[:cut]}-"
                if self.sw(head) <= width:
                    lines.append(head)
                    line = word[cut:]
                    continue
            if line:
                lines.append(line)
            line = word
        if line:
            lines.append(line)
        return lines


# --------------------------------------------------------------------------- text PDF
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # the fonts of text outside cp1252, and of the scans


def _needs_unicode_font(text: str) -> bool:
    """True when the text has characters outside the base-14 fonts' encoding (cp1252): Turkish dotless i,
    Vietnamese tone marks. Those would print as a black square, and the extracted text would lose them."""
    try:
        text.encode("cp1252")
        return False
    except UnicodeEncodeError:
        return True


def _unicode_fonts(is_paper: bool) -> tuple[str, str]:
    """DejaVu (serif for papers, sans otherwise) embedded in the PDF, as real PDFs embed their fonts; only
    documents that need it, so every other PDF of the corpus stays byte for byte as it was."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    stem = "DejaVuSerif" if is_paper else "DejaVuSans"
    regular, bold = FONT_DIR / f"{stem}.ttf", FONT_DIR / f"{stem}-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise SystemExit(f"{regular} and {bold} are needed to render text outside cp1252 "
                         "(apt-get install fonts-dejavu-core)")
    for name, path in ((stem, regular), (f"{stem}-Bold", bold)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return stem, f"{stem}-Bold"


def render_pdf(src: Source, out: Path, columns: int = 1) -> None:
    from reportlab.pdfgen import canvas

    is_paper = src.header.get("type") == "paper"
    font, bold = ("Times-Roman", "Times-Bold") if is_paper else ("Helvetica", "Helvetica-Bold")
    if _needs_unicode_font(src.body + str(src.header.get("running_header", ""))):
        font, bold = _unicode_fonts(is_paper)
    size = 10.0 if columns == 2 else 11.0
    leading = size * 1.3
    gap = 22.0
    col_w = (PAGE_W - 2 * MARGIN - (gap if columns == 2 else 0)) / columns
    wrapper = Wrapper(font, size, col_w, src.stem)
    header = src.header.get("running_header", "")
    c = canvas.Canvas(str(out), pagesize=(PAGE_W, PAGE_H), invariant=1)
    c.setTitle(src.header.get("title", src.stem))
    state = {"page": 1, "col": 0, "y": PAGE_H - MARGIN - 18}

    def furniture() -> None:
        c.setFont(font, 8)
        if header:
            c.drawString(MARGIN, PAGE_H - MARGIN + 14, header)
            c.line(MARGIN, PAGE_H - MARGIN + 10, PAGE_W - MARGIN, PAGE_H - MARGIN + 10)
        c.drawCentredString(PAGE_W / 2, MARGIN - 30, f"- {state['page']} -" if is_paper else f"Halaman {state['page']}")

    def x0() -> float:
        return MARGIN + state["col"] * (col_w + gap)

    def need(height: float) -> None:
        if state["y"] - height >= MARGIN:
            return
        if columns == 2 and state["col"] == 0:
            state["col"] = 1
        else:
            c.showPage()
            state["page"] += 1
            state["col"] = 0
            furniture()
        state["y"] = PAGE_H - MARGIN - 18

    furniture()
    for kind, text in blocks(src.plain):
        if kind == "heading":
            need(leading * 3)
            state["y"] -= leading * 0.6
            c.setFont(bold, size + 1)
            for ln in wrapper.wrap(text):
                c.drawString(x0(), state["y"], ln)
                state["y"] -= leading
            state["y"] -= leading * 0.3
        elif kind == "table":
            cells = table_cells(text)
            cw = col_w / max(1, len(cells))
            wrapped = [Wrapper(font, size - 2, cw - 6, src.stem).wrap(cell, cw - 6) or [""] for cell in cells]
            height = max(len(w) for w in wrapped) * (size - 2) * 1.25 + 4
            need(height)
            c.setFont(font, size - 2)
            for i, w in enumerate(wrapped):
                for j, ln in enumerate(w):
                    c.drawString(x0() + i * cw + 3, state["y"] - j * (size - 2) * 1.25, ln)
            c.rect(x0(), state["y"] - height + size - 2, col_w, height, stroke=1, fill=0)
            state["y"] -= height
        else:
            c.setFont(font, size)
            for ln in wrapper.wrap(text):
                need(leading)
                c.setFont(font, size)
                c.drawString(x0(), state["y"], ln)
                state["y"] -= leading
            state["y"] -= leading * 0.6
    c.save()


# --------------------------------------------------------------------------- scanned PDF
def render_scan(src: Source, out: Path, dpi: int = 250) -> None:
    """Pages as images only (no text layer), with a slight skew and speckle."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72.0
    w, h = int(PAGE_W * scale), int(PAGE_H * scale)
    font_path = _font_path()
    size_pt = 11.5
    font = ImageFont.truetype(font_path, int(size_pt * scale)) if font_path else ImageFont.load_default()
    draw_probe = ImageDraw.Draw(Image.new("L", (10, 10)))
    width_px = (PAGE_W - 2 * MARGIN) * scale

    def wrap(text: str) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            cand = f"{line} {word}" if line else word
            if draw_probe.textlength(cand, font=font) <= width_px:
                line = cand
            else:
                lines.append(line)
                line = word
        return [*lines, line] if line else lines

    lines: list[str] = []
    for kind, text in blocks(src.plain):
        if kind == "table":
            text = "   ".join(table_cells(text))
        lines.extend(wrap(text))
        lines.append("")
    per_page = int((PAGE_H - 2 * MARGIN) / (size_pt * 1.45))
    pages = []
    rng = zlib.crc32(src.stem.encode())
    for p in range(0, len(lines), per_page):
        img = Image.new("L", (w, h), 255)
        draw = ImageDraw.Draw(img)
        y = MARGIN * scale
        for ln in lines[p : p + per_page]:
            draw.text((MARGIN * scale, y), ln, fill=20, font=font)
            y += size_pt * 1.45 * scale
        for _ in range(400):  # speckle, deterministic
            rng = (rng * 1103515245 + 12345) & 0x7FFFFFFF
            x, yy = rng % w, (rng // w) % h
            draw.point((x, yy), fill=90)
        img = img.rotate(0.4 if (p // per_page) % 2 == 0 else -0.3, fillcolor=255, resample=Image.BILINEAR)
        pages.append(img.convert("1", dither=Image.NONE))
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])


def _font_path() -> str | None:
    for cand in (str(FONT_DIR / "DejaVuSerif.ttf"), str(FONT_DIR / "DejaVuSans.ttf")):
        if Path(cand).exists():
            return cand
    return None


# --------------------------------------------------------------------------- DOCX, TXT, MD
def render_docx(src: Source, out: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = src.header.get("title", src.stem)
    table = None
    for kind, text in blocks(src.plain):
        if kind == "heading":
            d.add_heading(text, level=2)
            table = None
        elif kind == "table":
            cells = table_cells(text)
            if table is None or len(table.columns) != len(cells):
                table = d.add_table(rows=0, cols=len(cells))
                table.style = "Table Grid"
            row = table.add_row().cells
            for cell, value in zip(row, cells):
                cell.text = value
        else:
            d.add_paragraph(text)
            table = None
    d.save(str(out))


def render_text(src: Source, out: Path, encoding: str) -> None:
    body = src.plain.strip() + "\n"
    if encoding == "cp1252":
        out.write_bytes(body.replace("\n", "\r\n").encode("cp1252"))
    else:
        out.write_text(body, encoding="utf-8")


SUFFIX = {"pdf": ".pdf", "pdf-2col": ".pdf", "scan": ".pdf", "docx": ".docx", "txt": ".txt",
          "txt-cp1252": ".txt", "md": ".md"}


def render_one(src: Source, out_dir: Path) -> Path:
    fmt = src.header.get("format", "txt")
    out = out_dir / f"{src.stem}{SUFFIX[fmt]}"
    if fmt == "pdf":
        render_pdf(src, out, columns=1)
    elif fmt == "pdf-2col":
        render_pdf(src, out, columns=2)
    elif fmt == "scan":
        render_scan(src, out)
    elif fmt == "docx":
        render_docx(src, out)
    else:
        render_text(src, out, "cp1252" if fmt == "txt-cp1252" else "utf-8")
    return out


def render_all(names: list[str]) -> int:
    count = 0
    for case_dir in case_dirs(names):
        out_dir = DEMO / case_dir.name
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        shutil.copy(case_dir / "case.toml", out_dir / "case.toml")
        for path in sorted(case_dir.glob("*.txt")):
            render_one(parse_source(path), out_dir)
            count += 1
    print(f"rendered {count} documents into {DEMO}")
    _ = SOURCES
    return 0
