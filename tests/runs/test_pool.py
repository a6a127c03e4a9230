"""How the worker pool's documents are ordered (pipeline/runs/pool.py); the pool itself runs in tests/test_workers.py."""

from __future__ import annotations


def test_documents_are_handed_out_largest_expected_work_first(tmp_path):
    """Issue #19: with several workers the documents go out in order of expected work (file size times the
    text a byte of that format holds), so the short ones fill the end of the run; ties keep the inbox order."""
    from pipeline.ingest.discover import Found
    from pipeline.runs.pool import TEXT_PER_BYTE, expected_work, largest_first

    sizes = {"a.txt": 3000, "b.pdf": 3000, "c.docx": 38000, "d.md": 3000, "e.txt": 9000}
    found = []
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
        found.append(Found(path=tmp_path / name, case=None, relpath=name))
    found.append(Found(path=tmp_path / "gone.txt", case=None, relpath="gone.txt"))
    assert expected_work(found[1]) == 3000 * TEXT_PER_BYTE[".pdf"]
    assert expected_work(found[-1]) == 0.0  # unreadable: unknown, last
    order = [f.relpath for f in largest_first(found)]
    assert order == ["e.txt", "c.docx", "a.txt", "d.md", "b.pdf", "gone.txt"]


def test_each_worker_embeds_on_its_share_of_the_cores():
    """Issue #19: new passages are embedded by one thread per CPU in a single process; forked workers split
    the cores between them instead of each starting one thread per CPU (the vectors do not depend on it)."""
    from pipeline.classify import embed
    from pipeline.runs.pool import DocumentPool

    embed.set_threads(4)
    try:
        with DocumentPool(2, {}) as pool:
            assert pool.call(embed.threads).result(timeout=60) == 2
        with DocumentPool(3, {}) as pool:
            assert pool.call(embed.threads).result(timeout=60) == 1
    finally:
        embed.set_threads(None)
