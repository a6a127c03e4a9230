"""The last answer of a function, kept for the next call with the same arguments (nlp/memo.py)."""

from __future__ import annotations

from pipeline.nlp.memo import last_answer


def test_last_answer_is_kept_for_the_same_arguments_only():
    calls = []

    def places(names: tuple[str, ...], extra: int = 0) -> int:
        calls.append(names)
        return len(names) + extra

    names = ("Karangsari", "Seokjin")
    assert last_answer(places, names) == 2 and last_answer(places, names) == 2 and len(calls) == 1
    assert last_answer(places, ("Karangsari", "Seokjin")) == 2 and len(calls) == 1  # an equal tuple: the same answer
    assert last_answer(places, ("Kualadewa",)) == 1 and len(calls) == 2
    assert last_answer(places, ("Kualadewa",), 5) == 6 and len(calls) == 3  # other arguments: asked again
