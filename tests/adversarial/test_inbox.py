"""Issue #16, findings 4, 5 and 8: symbolic links stay inside the inbox, removal goes by path
components, and a bad case.toml fails its own case with a clear reason while the others go on."""

from __future__ import annotations

import pytest

from pipeline.config import Settings
from pipeline.ingest.cases import CaseFileError, load_case
from pipeline.ingest.discover import discover, inbox_key
from pipeline.runs.ingest import ingest_into_store
from pipeline.store.db import Store
from tests.adversarial import inputs


def run(store, inbox, models) -> dict:
    """What a run does with an inbox (pipeline.flows.process_inbox, without Prefect): {relpath: result}."""
    cases, files = discover(inbox)
    results, present = {}, set()
    for f in files:
        r = ingest_into_store(store, f.path, f.case, cases, models, Settings(max_mb=1), refused=f.refused)
        results[f.relpath] = r
        present.add(r.path)
    store.mark_removed(inbox_key(inbox), present)
    return results


def contents(store) -> str:
    return "\n".join(d.text + "".join(p.text for p in d.passages) for d in store.documents())


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "s.db"))
    yield s
    s.close()


def test_a_link_out_of_the_inbox_is_failed_unread_and_goes_when_the_link_goes(tmp_path, store, models):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    inbox = tmp_path / "inbox"
    (inbox / "c").mkdir(parents=True)
    (inbox / "c" / "good.txt").write_text(inputs.TEXT)
    (inbox / "c" / "inner_link.txt").symlink_to(inbox / "c" / "good.txt")
    link = inbox / "c" / "passwd_link.txt"
    link.symlink_to(secret)
    (inbox / "c" / "dangling.txt").symlink_to(inbox / "gone.txt")

    results = run(store, inbox, models)
    assert results["c/passwd_link.txt"].outcome == "failed"
    assert results["c/passwd_link.txt"].error.startswith("outside_inbox: c/passwd_link.txt: a symbolic link to")
    assert results["c/dangling.txt"].error.startswith("broken_link: c/dangling.txt")
    assert results["c/inner_link.txt"].outcome == "new"  # a link inside the inbox is followed
    assert "root:x" not in contents(store)
    assert results["c/passwd_link.txt"].path == str(link)  # stored as the link, not as its target

    link.unlink()
    run(store, inbox, models)
    assert str(link) not in {d.path for d in store.documents(include_removed=False)}


def test_removal_goes_by_path_components_not_string_prefix(store):
    from pipeline.data import Document

    for path in ("/d/pre/a.txt", "/d/pre2/b.txt", "/d/pre/sub/c.txt"):
        doc = Document(doc=path[-5:], source=path.rsplit("/", 1)[1], case="c", path=path, text="x")
        store.save_document(doc)
    assert sorted(store.mark_removed("/d/pre", set())) == ["/d/pre/a.txt", "/d/pre/sub/c.txt"]
    assert [d.path for d in store.documents()] == ["/d/pre2/b.txt"]
    store.save_document(Document(doc="u", source="a_b.txt", case="c", path="/d/a_b/x.txt", text="x"))
    store.save_document(Document(doc="v", source="aXb.txt", case="c", path="/d/aXb/x.txt", text="x"))
    assert store.mark_removed("/d/a_b/", set()) == ["/d/a_b/x.txt"]  # "_" is not a LIKE wildcard here


@pytest.mark.parametrize("content, field", [
    ('title = "x"\ncities = [1]\n', "cities must be [[cities]] tables"),
    ('[[cities]]\nname = 12\nside = "local"\n', "cities[1].name must be a string"),
    ('title = 12\n', "title must be a string"),
    ('fields = "tourism"\n', "fields must be a list of strings"),
    ('[[cities]]\nname = "A"\nside = "abroad"\n', 'cities[1].side must be "local" or "partner"'),
    (b"\x00\xff\xfe\x89PNG\r\n", "not a text file"),
    ('title = "unclosed\n', "not valid TOML"),
])
def test_bad_case_toml_names_the_file_and_field(tmp_path, content, field):
    path = tmp_path / "kota" / "case.toml"
    path.parent.mkdir()
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CaseFileError) as err:
        load_case(path)
    assert str(err.value).startswith(f"{path}: ") and field in str(err.value)


def test_one_bad_case_toml_fails_its_own_case_and_the_others_go_on(tmp_path, store, models):
    inbox = tmp_path / "inbox"
    expected = inputs.write_adversarial_inbox(inbox, tmp_path / "outside")
    cases, files = discover(inbox)
    assert [c.slug for c in cases] == ["good-case"]
    refused = {f.relpath: f.refused for f in files if f.refused}
    for slug in inputs.BAD_CASE_TOMLS:
        assert refused[f"{slug}/case.toml"].startswith(f"invalid_case: {inbox / slug / 'case.toml'}: ")
        assert refused[f"{slug}/doc.txt"].startswith(f"invalid_case: {slug}/doc.txt: not read, its case file")
    assert set(refused) == {k for k, code in expected.items() if code in {"invalid_case", "outside_inbox", "broken_link"}}
