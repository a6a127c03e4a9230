"""The codebook alone as a REFI-QDA codebook (.qdc, urn:QDA-XML:codebook:1.0), and another tool's
codebook (a .qdc, or the CodeBook of a .qdpx) compared with ours: what maps, how, and what does not.

The .qdc holds the same three groups and the same code GUIDs as the .qdpx export, so a codebook
loaded into a QDA tool from the .qdc and a project exported later agree code for code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.exchange.codebook import GROUPS, Codebook, CodebookError, guid, load_codebook, map_codes

NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"


def build_qdc(codebook: Codebook):
    from pipeline.exchange.qdpx import _lxml, _version

    etree = _lxml()
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS}, origin=f"sistercity {_version()}")
    codes = etree.SubElement(root, f"{{{NS}}}Codes")
    for kind, title in GROUPS.items():
        group = etree.SubElement(codes, f"{{{NS}}}Code", guid=guid("group", kind), name=title, isCodable="false")
        for c in codebook.of(kind):
            code = etree.SubElement(group, f"{{{NS}}}Code", guid=c.guid, name=c.key, isCodable="true", color=c.color)
            etree.SubElement(code, f"{{{NS}}}Description").text = c.description
    return root


def write_qdc(out: Path | str, codebook: Codebook | None = None) -> dict:
    from pipeline.exchange.qdpx import _lxml

    codebook = codebook or load_codebook()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_lxml().tostring(build_qdc(codebook), xml_declaration=True, encoding="utf-8", pretty_print=True))
    return {"path": str(out), "codes": len(codebook.codes), "groups": len(GROUPS)}


def read_codes(path: Path | str) -> list[tuple[str, str, bool]]:
    """(guid, name, codable) of every code of a .qdc, or of the CodeBook of a .qdpx / .qde."""
    from pipeline.exchange.qdpx import _lxml

    etree = _lxml()
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                qde = next((n for n in z.namelist() if n.lower().endswith(".qde")), None)
                if qde is None:
                    raise CodebookError(f"{path}: a zip without a .qde project file")
                root = etree.fromstring(z.read(qde))
        else:
            root = etree.parse(str(path)).getroot()
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise CodebookError(f"{path}: cannot read a codebook from it ({exc})") from None
    if root.tag not in (f"{{{NS}}}CodeBook", f"{{{PROJECT_NS}}}Project"):
        raise CodebookError(f"{path}: the root element is {root.tag}, not a REFI-QDA CodeBook or Project")
    ns = root.tag[1:].split("}")[0]
    return [(c.get("guid"), c.get("name") or "", c.get("isCodable", "true") == "true")
            for c in root.iter(f"{{{ns}}}Code")]


def compare_qdc(path: Path | str, *, codebook: Codebook | None = None, mapping: dict[str, str] | None = None) -> dict:
    """Their codebook against ours: matched (their name, our key, kind, how), unknown (their codable codes
    with no counterpart) and missing (our codes nothing of theirs maps to)."""
    codebook = codebook or load_codebook()
    theirs = read_codes(path)
    m = map_codes(codebook, theirs, mapping)
    names = {g: n for g, n, _ in theirs}
    return {"matched": [{"theirs": names[g], "ours": c.key, "kind": c.kind, "how": m.how[g]} for g, c in m.matched.items()],
            "unknown": m.unknown, "missing": [c.key for c in m.missing]}
