"""The codebook alone as a REFI-QDA .qdc: read back by pyrefiqda's codebook parser (no PyPI package we
found ships REFI's Codebook.xsd, so this file is not schema-validated), and compared with another codebook."""

from __future__ import annotations

from lxml import etree
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.exchange.qdc import NS, compare_qdc, write_qdc


def test_qdc_is_read_back_by_an_independent_parser(tmp_path, codebook):
    from pyrefiqda import RefiCodebook

    out = tmp_path / "sistercity.qdc"
    assert write_qdc(out, codebook)["codes"] == 23
    cb = RefiCodebook.load(str(out))
    groups = cb.codes.code
    assert [g.is_codable for g in groups] == [False, False, False]
    got = {c.name: (c.guid, c.description) for g in groups for c in g.code}
    assert got == {c.key: (c.guid, c.description) for c in codebook.codes}


def test_their_codebook_is_mapped_and_differences_reported(tmp_path, codebook):
    ours = tmp_path / "ours.qdc"
    write_qdc(ours, codebook)
    result = compare_qdc(ours, codebook=codebook)
    assert len(result["matched"]) == 23 and {m["how"] for m in result["matched"]} == {"guid"}
    assert result["unknown"] == [] and result["missing"] == []

    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS})
    codes = etree.SubElement(root, f"{{{NS}}}Codes")
    for i, name in enumerate(("Komitmen", "Partisipasi masyarakat", "Funding gaps", "Bahasa")):
        etree.SubElement(codes, f"{{{NS}}}Code", guid=f"00000000-0000-0000-0000-00000000000{i}", name=name,
                         isCodable="true")
    theirs = tmp_path / "theirs.qdc"
    theirs.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    result = compare_qdc(theirs, codebook=codebook, mapping={"Bahasa": "language"})
    assert {(m["theirs"], m["ours"], m["how"]) for m in result["matched"]} == {
        ("Komitmen", "commitment", "name"), ("Partisipasi masyarakat", "participation", "name"),
        ("Bahasa", "language", "mapping file")}
    assert result["unknown"] == ["Funding gaps"]
    assert "outcomes" in result["missing"] and "commitment" not in result["missing"]

    run = CliRunner().invoke(app, ["import", "qdc", str(theirs)])
    assert run.exit_code == 1 and "Funding gaps" in run.output


def test_export_help_lists_every_format():
    run = CliRunner().invoke(app, ["export", "--help"])
    assert run.exit_code == 0
    for fmt in ("qdpx", "qdc", "labelstudio", "xlsx", "ner"):
        assert fmt in run.output
    run = CliRunner().invoke(app, ["import", "--help"])
    for fmt in ("qdpx", "qdc", "labelstudio"):
        assert fmt in run.output
