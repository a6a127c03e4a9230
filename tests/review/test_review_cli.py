"""`sistercity review ...`: accounts, the double-coding import, agreement, the corrections export."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app
from tests.review.conftest import CASE

runner = CliRunner()


def test_review_commands(store_url, tmp_path, monkeypatch):
    from pipeline.store.db import Store
    from pipeline.store.reviews import Labels, ReviewStore

    db = store_url.removeprefix("sqlite:///")
    monkeypatch.setenv("SISTERCITY_REVIEW_PASSWORD", "long enough password")
    result = runner.invoke(app, ["review", "add-user", "ana", "--role", "admin", "--db", db])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["review", "add-user", "ana", "--db", db])
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(app, ["review", "add-user", "budi", "--role", "boss", "--db", db])
    assert bad.exit_code == 2 and "role must be one of reviewer, admin" in bad.output
    rs = ReviewStore(Store(store_url))
    assert rs.authenticate("ana", "long enough password")["role"] == "admin"

    assert "no passage has been coded" in runner.invoke(app, ["review", "agreement", "--db", db]).output
    result = runner.invoke(app, ["review", "import-double-coding", "--db", db])
    assert result.exit_code == 0 and "round1/coder_a: 252" in result.output.replace("\n", " ")
    out = tmp_path / "agreement.md"
    result = runner.invoke(app, ["review", "agreement", "--db", db, "--out", str(out)])
    assert result.exit_code == 0 and "## round5: coder_a vs coder_b" in out.read_text()

    ana = {"id": rs.authenticate("ana", "long enough password")["id"], "name": "ana"}
    d = next(x for x in rs.store.documents() if x.source == "wawancara_dtkp.md")
    rs.save_review(ana, d.path, d.passages[3], Labels(["commitment"], "obstacle", ["budget"], CASE), status="corrected",
                   memo="", seen_version=0)
    target = tmp_path / "corrections.jsonl"
    result = runner.invoke(app, ["review", "export-corrections", str(target), "--db", db])
    assert result.exit_code == 0 and "wrote 1 reviewed passages" in result.output
    (row,) = [json.loads(line) for line in target.read_text().splitlines()]
    assert row["text"] == d.passages[3].text and row["obstacles"] == ["budget"]
