"""The command line as a user runs it: analyze on loose files, status, help."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from pipeline.cli import app
from tests.report.contract import check_outputs

runner = CliRunner()


def test_every_command_has_help():
    for cmd in ["run", "analyze", "train", "status", "version"]:
        result = runner.invoke(app, [cmd, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_analyze_writes_the_four_contract_files(tmp_path, data_dir):
    files = [data_dir / n for n in ("report.pdf", "tables.docx", "transcript_cp1252.txt", "corrupt.pdf", "notes.xyz")]
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", *map(str, files), "--case", "karangsari-seokjin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = check_outputs(out)
    status = {d["source"]: d["status"] for d in got["documents"]}
    assert status == {"report.pdf": "ok", "tables.docx": "ok", "transcript_cp1252.txt": "ok",
                      "corrupt.pdf": "failed", "notes.xyz": "failed"}
    assert len(got["passages"]) > 20
    assert any(e["label"] == "DATE" and e["normalized"] == "2015-08-09/2015-08-14" for e in got["entities"])
    assert "karangsari-seokjin" in got["verdicts"]["cases"]
    assert (out / "report.md").exists()


def test_analyze_takes_a_globbed_case_toml_as_the_case_file(tmp_path, data_dir):
    folder = tmp_path / "kota-a-kota-b"
    folder.mkdir()
    shutil.copy(data_dir / "transcript.md", folder / "t.md")
    (folder / "case.toml").write_text('slug = "kota-a-kota-b"\ntitle = "Kota A - Kota B"\n\n'
                                      '[[cities]]\nname = "Kota A"\ncountry = "ID"\n\n'
                                      '[[cities]]\nname = "Kota B"\ncountry = "JP"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", *sorted(map(str, folder.iterdir())), "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = check_outputs(out)
    assert [d["source"] for d in got["documents"]] == ["t.md"]  # case.toml is not a failed document
    only = runner.invoke(app, ["analyze", str(folder / "case.toml"), "--out", str(out)])
    assert only.exit_code == 2 and "only case.toml" in only.output


def test_analyze_refuses_missing_files_with_a_clear_message(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.pdf"), "--case", "x", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "nope.pdf" in result.output


def test_analyze_works_from_any_directory(tmp_path, data_dir, monkeypatch):
    shutil.copy(data_dir / "transcript.md", tmp_path / "t.md")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["analyze", "t.md", "--case", "tanjungwaru-aldenbruck", "--out", "o"])
    assert result.exit_code == 0, result.output
    check_outputs(tmp_path / "o")


def test_evaluate_trains_its_folds_as_the_shipped_model_was(tmp_path, monkeypatch):
    """`sistercity evaluate` without --bank/--no-bank follows the newest classifier's card: a model trained on
    the sentence bank is measured with the bank in every fold."""
    from pipeline.cli import _shipped_with_bank

    for version, card in ((1, {"name": "passage_clf.v1"}), (2, {"name": "passage_clf.v2", "bank": {"sentences": 9}})):
        folder = tmp_path / f"passage_clf.v{version}"
        folder.mkdir()
        (folder / "model.pkl").write_bytes(b"")
        (folder / "card.json").write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setenv("SISTERCITY_MODELS", str(tmp_path))
    assert _shipped_with_bank() is True
    (tmp_path / "passage_clf.v3").mkdir()
    (tmp_path / "passage_clf.v3" / "model.pkl").write_bytes(b"")
    (tmp_path / "passage_clf.v3" / "card.json").write_text('{"name": "passage_clf.v3"}', encoding="utf-8")
    assert _shipped_with_bank() is False
