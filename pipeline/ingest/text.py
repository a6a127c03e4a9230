"""Plain-text and Markdown documents: transcripts, notes, exported minutes."""

from __future__ import annotations

import re

from pipeline.ingest.builder import TextBuilder
from pipeline.ingest.errors import IngestError

# "P:", "N:", "Pewawancara:", "Bu Sari:", "Narasumber 2:", "**N:**" at the start of a line.
SPEAKER = re.compile(r"^\s*\**\s*(?P<who>[A-Z][\w.'’ -]{0,40}?|[A-Z]\d?)\s*\**\s*:\**\s+(?=\S)")
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
LATIN_SINGLE_BYTE = {"latin_1", "iso8859_1", "iso8859_2", "iso8859_15", "cp1250", "cp1252", "cp1257", "mac_roman",
                     "cp850", "cp437"}
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for UTF-16 text saved without a byte-order mark, else None: in text
    that is mostly Latin script, every other byte is zero, on the same side of each pair, and it decodes."""
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for encoding, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.6 * len(zeros) and other.count(0) <= 0.02 * len(other):
            try:
                data[: len(data) - len(data) % 2].decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first, then the best guess of charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    bomless = utf16_without_bom(data)
    if bomless:
        return data[: len(data) - len(data) % 2].decode(bomless), bomless
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("encoding", f"{name}: not text in any known encoding (binary file?)")
    encoding = best.encoding
    # Single-byte Latin guesses are unreliable on short texts; Indonesian and
    # Western European files saved by Windows are Windows-1252, so prefer it
    # whenever every byte is defined there.
    if encoding in LATIN_SINGLE_BYTE:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return data.decode(encoding, errors="replace"), encoding


def extract_text(data: bytes, name: str) -> tuple[TextBuilder, str]:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and not utf16_without_bom(data):
        raise IngestError("wrong_type", f"{name}: contains binary data, not a text file")
    raw, encoding = decode(data, name)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    builder = TextBuilder()
    builder.start_page(1)
    for para in re.split(r"\n\s*\n", raw):
        lines = [ln for ln in para.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) == 1 and MD_HEADING.match(lines[0]):
            builder.add(MD_HEADING.sub("", lines[0]), kind="heading")
            continue
        if all(TABLE_ROW.match(ln) for ln in lines):
            for ln in lines:
                if not TABLE_RULE.match(ln.strip("| ")) and not set(ln) <= set("|-: "):
                    builder.add(ln, kind="table")
            continue
        # A paragraph may hold several speaker turns, one per line.
        turn: list[str] = []
        who: str | None = None
        for ln in lines:
            m = SPEAKER.match(ln)
            if m and turn:
                builder.add(" ".join(turn), kind="turn" if who else "paragraph", speaker=who)
                turn = []
            if m:
                who = m.group("who").strip()
            turn.append(ln.strip())
        if turn:
            builder.add(" ".join(turn), kind="turn" if who else "paragraph", speaker=who)
    if not builder.blocks:
        raise IngestError("empty", f"{name}: the file has no text")
    return builder, encoding
