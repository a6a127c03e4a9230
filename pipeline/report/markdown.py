"""A Markdown report: the matrix of cases by elements, then per case the
verdicts with their summaries, ranked obstacles and the documents read."""

from __future__ import annotations

from pipeline.aggregate.verdicts import ELEMENT_LABEL_ID, OBSTACLE_ID
from pipeline.data import ELEMENTS, Document, Verdict

SYMBOL = {"fulfilled": "fulfilled", "partial": "partial", "not_fulfilled": "not fulfilled",
          "insufficient_evidence": "insufficient evidence"}


def render(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], title: str = "sistercity report") -> str:
    lines = [f"# {title}", "", "## Cases by element", ""]
    lines.append("| case | " + " | ".join(ELEMENTS) + " |")
    lines.append("|---|" + "---|" * len(ELEMENTS))
    for case, by_el in sorted(verdicts.items()):
        cells = []
        for el in ELEMENTS:
            v = by_el[el]
            pos = sum(e.stance == "positive" for e in v.evidence)
            neg = sum(e.stance == "obstacle" for e in v.evidence)
            cells.append(f"{SYMBOL[v.status]} ({v.score:+.2f}; {pos}+/{neg}-)")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    for case, by_el in sorted(verdicts.items()):
        lines += ["", f"## {case}", ""]
        for el in ELEMENTS:
            v = by_el[el]
            lines += [f"### {ELEMENT_LABEL_ID[el]} ({el}): {SYMBOL[v.status]}", ""]
            if v.summary:
                lines += [v.summary, ""]
            for note in v.notes:
                lines += [f"- note: {note}"]
            for ob in v.obstacles[:5]:
                lines += [f"- obstacle `{ob.code}` ({OBSTACLE_ID.get(ob.code, ob.code)}): {ob.count} passage(s)"]
        docs = [d for d in documents if d.case == case]
        if docs:
            lines += ["", "Documents read:", ""]
            lines += [f"- {d.source} ({d.type}, {len(d.pages)} p.)" + (f" FAILED: {d.error}" if d.status != "ok" else "") for d in docs]
    failed = [d for d in documents if d.status != "ok"]
    if failed:
        lines += ["", "## Documents that failed", ""] + [f"- {d.source}: {d.error}" for d in failed]
    return "\n".join(lines) + "\n"
