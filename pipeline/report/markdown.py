"""A Markdown report: the matrix of cases by elements, the cross-case comparison, then per case
the verdicts with their summaries, ranked obstacles, the timeline, the gaps and the documents read."""

from __future__ import annotations

from pipeline.aggregate.gaps import CaseGaps
from pipeline.aggregate.timeline import KIND_LABEL_EN, KIND_LABEL_ID, TimelineEvent
from pipeline.aggregate.verdicts import OBSTACLE_ID
from pipeline.data import ELEMENTS, Document, Verdict
from pipeline.report.compare import compare as compare_cases
from pipeline.report.texts import (
    DOC_KIND,
    ELEMENT,
    EVENT_STATUS,
    GAP_REASON,
    MISSING_HINT,
    SIDE,
    STATUS,
    published_items,
    resolve_lang,
    texts,
)


def inert(text: str) -> str:
    """Markdown in which nothing from a document, a case slug or a reviewer's reason becomes markup when
    rendered: HTML is escaped (a <script> or <javascript:...> autolink shows as text) and no inline link
    or link definition can form ("](" and "]:" are broken with a backslash). The report's own Markdown
    (headings, lists, tables, emphasis, code spans) uses none of these."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("](", "]\\(").replace("]:", "]\\:")


def _md(text: str) -> str:
    """Document text inside a table cell or list item: one line, no table breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def matrix_lines(verdicts: dict[str, dict[str, Verdict]], lang: str) -> list[str]:
    t = texts(lang)
    lines = [f"| {t['case']} | " + " | ".join(ELEMENTS) + " |", "|---|" + "---|" * len(ELEMENTS)]
    for case, by_el in sorted(verdicts.items()):
        cells = []
        for el in ELEMENTS:
            v = by_el[el]
            pos = sum(e.stance == "positive" for e in v.evidence)
            neg = sum(e.stance == "obstacle" for e in v.evidence)
            mark = f" [{texts(lang)['override_tag']}]" if v.override else ""
            cells.append(f"{STATUS[lang][v.status]}{mark} ({v.score:+.2f}; {pos}+/{neg}-)")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return lines


def comparison_lines(comparison: dict, lang: str) -> list[str]:
    t = texts(lang)
    lines = [f"### {t['obstacle_freq']}", "", t["obstacle_freq_note"], ""]
    for case in comparison["cases"]:
        freq = comparison["obstacles"].get(case, {})
        body = ", ".join(f"`{c}` {n}" for c, n in freq.items()) or t["none"]
        lines.append(f"- **{case}**: {body}")
    lines += ["", f"### {t['patterns']}", "", f"{t['stalled_def']}", "",
              f"- {t['stalled']}: " + (", ".join(comparison["stalled"]) or t["none"])]
    shared = comparison["shared_obstacles"]
    lines.append(f"- {t['shared_obstacles']}: " + ("" if shared else t["none"]))
    for s in shared:
        extra = f"; {t['also_in']}: {', '.join(s['in_other_cases'])}" if s["in_other_cases"] else ""
        lines.append(f"  - `{s['code']}` ({OBSTACLE_ID.get(s['code'], s['code'])}): {len(s['cases'])}/"
                     f"{len(comparison['stalled'])} ({', '.join(s['cases'])}){extra}")
    pairs = comparison["co_failing"]
    lines.append(f"- {t['co_failing']}: " + ("" if pairs else t["none"]))
    for p in pairs:
        lines.append(f"  - {p['elements'][0]} + {p['elements'][1]}: {len(p['cases'])} ({', '.join(p['cases'])})")
    return lines


def timeline_lines(events: list[TimelineEvent], lang: str) -> list[str]:
    t = texts(lang)
    if not events:
        return [t["no_events"]]
    kinds = KIND_LABEL_EN if lang == "en" else KIND_LABEL_ID
    lines = []
    for ev in events:  # a list, not a table: quotes stay exactly as the document has them
        s = ev.source
        more = f" (+{len(ev.sources) - 1} {t['sources']})" if len(ev.sources) > 1 else ""
        side = f"; {t['side']}: {SIDE[lang][ev.side]}" if ev.side else ""
        lines.append(f"- **{ev.date}** {kinds[ev.kind]}: {_md(ev.label)} ({EVENT_STATUS[lang][ev.status]}{side}): "
                     f"\u201c{s.quote}\u201d [{_md(s.source or s.doc)}, {t['page']} {s.page}]{more}")
    return lines


def gap_lines(g: CaseGaps, lang: str) -> list[str]:
    t = texts(lang)
    lines = []
    for e in g.elements:
        if e.reasons:
            lines.append(f"- {ELEMENT[lang][e.element]} ({e.element}): "
                         + "; ".join(GAP_REASON[lang][r] for r in e.reasons)
                         + f" ({e.passages} {t['passages']}, {e.documents} dok.)")
    held = ", ".join(f"{DOC_KIND[lang].get(k, k)} {n}" for k, n in g.documents.items()) or t["none"]
    lines.append(f"- {t['docs_present']}: {held}")
    lines.append(f"- {t['missing_docs']}: " + (", ".join(DOC_KIND[lang][k] for k in g.missing) or t["none"]))
    for k in g.missing:
        lines.append(f"  - {DOC_KIND[lang][k]}: {MISSING_HINT[lang][k]}")
    for f in g.failed:
        lines.append(f"- {t['failed_docs']}: {_md(f)}")
    return lines


def published_lines(by_el: dict[str, Verdict], lang: str) -> list[str]:
    """Per element with a published assessment: its value against the evidence's, then each assessment quoted."""
    t = texts(lang)
    lines = [t["published_note"], ""]
    for v, label, published, evidence_status, relation, tie in published_items(by_el, lang):
        lines.append(f"- **{label}** ({v.element}): {t['published_doc']} {published}; {t['published_evidence']} "
                     f"{evidence_status} ({v.score:+.2f}): {relation}" + (f"; {tie}" if tie else ""))
        for a in v.assessments:  # quotes stay exactly as the document has them
            lines.append(f"  - {STATUS[lang][a.value]}: \u201c{a.quote}\u201d [{_md(a.source or a.doc)}, {t['page']} {a.page}]")
    return lines if len(lines) > 2 else [t["published_none"]]


def override_line(o: dict, lang: str) -> str:
    """A reviewer's override, said as such: who, when, why, and what the aggregator had found."""
    t = texts(lang)
    return (f"**{t['override']}** {_md(o['reviewer'])} ({(o.get('at') or '')[:10]}): {STATUS[lang][o['status']]}; "
            f"{t['override_was']} {STATUS[lang].get(o.get('replaced_status') or '', '?')}. "
            f"{t['override_reason']}: {_md(o['reason'])}")


def render(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], title: str | None = None, *,
           lang: str | None = None, timelines: dict[str, list[TimelineEvent]] | None = None,
           gaps: dict[str, CaseGaps] | None = None, comparison: dict | None = None) -> str:
    lang = resolve_lang(lang)
    t = texts(lang)
    comparison = comparison if comparison is not None else compare_cases(verdicts)
    lines = [f"# {title or t['title']}", "", f"## {t['matrix']}", ""]
    lines += matrix_lines(verdicts, lang)
    lines += ["", f"## {t['comparison']}", ""] + comparison_lines(comparison, lang)
    for case, by_el in sorted(verdicts.items()):
        lines += ["", f"## {case}", ""]
        for el in ELEMENTS:
            v = by_el[el]
            lines += [f"### {ELEMENT[lang][el]} ({el}): {STATUS[lang][v.status]}", ""]
            if v.override:
                lines += [override_line(v.override, lang), ""]
            if v.summary:
                lines += [v.summary, ""]
            for note in v.notes:
                lines += [f"- {t['notes'].lower()}: {note}"]
            for ob in v.obstacles[:5]:
                lines += [f"- `{ob.code}` ({OBSTACLE_ID.get(ob.code, ob.code)}): {ob.count} {t['passages']}"]
        lines += ["", f"### {t['published']}", ""] + published_lines(by_el, lang)
        if timelines is not None:
            lines += ["", f"### {t['timeline']}", ""] + timeline_lines(timelines.get(case, []), lang)
        if gaps is not None and case in gaps:
            lines += ["", f"### {t['gaps']}", ""] + gap_lines(gaps[case], lang)
        docs = [d for d in documents if d.case == case]
        if docs:
            lines += ["", f"{t['documents_read']}:", ""]
            lines += [f"- {_md(d.source)} ({d.type}, {len(d.pages)} {t['page']})"
                      + (f" FAILED: {_md(d.error or '')}" if d.status != "ok" else "") for d in docs]
    failed = [d for d in documents if d.status != "ok"]
    if failed:
        lines += ["", f"## {t['failed_docs']}", ""] + [f"- {_md(d.source)}: {_md(d.error or '')}" for d in failed]
    return inert("\n".join(lines) + "\n")
