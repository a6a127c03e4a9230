"""A fuzz test of the ingesters: whatever bytes a file holds, `extract` returns a document, "ok" or
"failed" with a reason naming the file, and never raises. A bounded number of cases (CI runs them all)."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest import extract
from tests.adversarial import inputs

SEEDS = {".docx": inputs.docx_bytes(), ".pdf": inputs.image_pdf(1), ".txt": inputs.TEXT.encode("utf-8")}


def mutate(data: bytes, cuts: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(data)
    for at, junk in cuts:
        at %= max(len(out), 1)
        out[at:at + len(junk)] = junk
    return bytes(out)


def check(tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    doc = extract(path, "c", ocr=False)
    assert doc.status in {"ok", "failed"}
    if doc.status == "failed":
        assert name in doc.error and ":" in doc.error


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from(sorted(SEEDS)), cuts=st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=64)),
                                                            max_size=4), truncate=st.integers(0, 100))
def test_mutated_seed_files_never_raise(tmp_path, suffix, cuts, truncate):
    data = mutate(SEEDS[suffix], cuts)
    data = data[: max(1, len(data) * truncate // 100)] if truncate else data
    check(tmp_path, f"fuzz{suffix}", data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".docx", ".pdf", ".txt", ".md", ""]), data=st.binary(min_size=1, max_size=2048))
def test_random_bytes_never_raise(tmp_path, suffix, data):
    check(tmp_path, f"random{suffix}", data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.binary(max_size=512))
def test_docx_with_any_document_xml_never_raises(tmp_path, part):
    src = zipfile.ZipFile(io.BytesIO(SEEDS[".docx"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, part if info.filename == "word/document.xml" else src.read(info.filename))
    check(tmp_path, "fuzz.docx", out.getvalue())
