"""A Markdown report: the matrix of cases by elements, the cross-case comparison, then per case
the verdicts with their summaries, ranked obstacles, the timeline, the gaps and the documents read."""

from __future__ import annotations

from pipeline.aggregate.gaps import CaseGaps
from pipeline.aggregate.prose import OBSTACLE_ID
from pipeline.aggregate.timeline import KIND_LABEL_EN, KIND_LABEL_ID, TimelineEvent
from pipeline.data import ELEMENTS, Document, Verdict
from pipeline.report.compare import compare as compare_cases
from pipeline.report.present import NUMBERS, cite_label, note_text, pages_label, sentence_body
from pipeline.report.stalls import Quote, StallAnalysis, analyse_all
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
    lines += discriminating_lines(comparison, lang)
    shared = comparison["shared_obstacles"]
    lines.append(f"- {t['shared_obstacles']} ({t['shared_note']}): " + ("" if shared else t["none"]))
    for s in shared:
        extra = f"; {t['also_in']}: {', '.join(s['in_other_cases'])}" if s["in_other_cases"] else ""
        lines.append(f"  - `{s['code']}` ({OBSTACLE_ID.get(s['code'], s['code'])}): {len(s['cases'])}/"
                     f"{len(comparison['stalled'])} ({', '.join(s['cases'])}){extra}")
    pairs = comparison["co_failing"]
    lines.append(f"- {t['co_failing']}: " + ("" if pairs else t["none"]))
    for p in pairs:
        lines.append(f"  - {p['elements'][0]} + {p['elements'][1]}: {len(p['cases'])} ({', '.join(p['cases'])})")
    return lines


def quote_md(q: Quote, doc_case: dict, lang: str) -> str:
    """A quote with its citation (case/file, page) and who speaks: the speaker of a transcript turn, else
    the kind of document; and where it comes from when it is another case's document."""
    t = texts(lang)
    ev = q.evidence
    who = f"{t['speaker']} {q.speaker}" if q.speaker else DOC_KIND[lang].get(ev.doc_type or "other", ev.doc_type or "")
    origin = f"; {t['attributed'].format(case=q.attributed_from)}" if q.attributed_from else ""
    return f"\u201c{_md(ev.quote)}\u201d [{_md(cite_label(ev, doc_case, lang))}; {_md(who)}{origin}]"


def obstacle_name(code: str, lang: str) -> str:
    return OBSTACLE_ID.get(code, code) if lang == "id" else code.replace("_", " ")


def side_name(a: StallAnalysis, side: str | None, lang: str) -> str:
    t = texts(lang)
    if side is None:
        return t["side_unknown"]
    city = {"local": a.local_name, "partner": a.partner_name}.get(side)
    return SIDE[lang][side] + (f" ({city})" if city else "")


def why_lines(a: StallAnalysis, doc_case: dict, lang: str) -> list[str]:
    """The case's "why it stalls" part: ranked obstacles with quotes, then both sides per element."""
    t = texts(lang)
    lines = [f"### {t['why']}", "", t["why_stalled"] if a.stalled else t["why_working"], ""]
    if not a.obstacles:
        lines += [t["why_none"], ""]
    for i, o in enumerate(a.obstacles, 1):
        hurt = ", ".join(f"{ELEMENT[lang][el].lower()} ({n})" for el, n in o.elements)
        lines.append(f"{i}. **{obstacle_name(o.code, lang)}** (`{o.code}`): {o.passages} {t['passages']}; "
                     f"{t['hurts']} {hurt}; {t['concerns']} {side_name(a, o.side, lang)}")
        lines += [f"   - {quote_md(q, doc_case, lang)}" for q in o.quotes]
    lines += ["", f"#### {t['per_element']}", ""]
    for e in a.elements:
        lines.append(f"- **{ELEMENT[lang][e.element]}**: {STATUS[lang][e.status]}")
        for label, quotes in ((t["for"], e.supporting), (t["against"], e.against)):
            lines += [f"  - {label}: {quote_md(q, doc_case, lang)}" for q in quotes] or [f"  - {label}: {t['no_quote']}"]
    if a.excluded_other_cases:
        lines += ["", t["excluded"].format(n=a.excluded_other_cases)]
    return lines + ["", f"_{t['quote_rule']}_"]


def summary_parts(v: Verdict, a: StallAnalysis | None, lang: str) -> list[tuple[str, list]]:
    """The aggregator's summary sentences as (body, citations); its "strongest evidence" sentences quote what
    the "why" part chose (substantive, this case's own) instead. report.md and report.html render them."""
    from pipeline.aggregate.prose import TEXTS as SUMMARY

    chosen = next((e for e in a.elements if e.element == v.element), None) if a else None
    best_head = SUMMARY[lang]["best"].split("{")[0]
    worst_head = SUMMARY[lang]["worst"].split("{")[0]
    out = []
    for s in v.sentences:
        body, cites = sentence_body(s.text, s.cites), s.cites
        if chosen is not None and body.startswith((best_head, worst_head)):
            pick = chosen.supporting if body.startswith(best_head) else chosen.against
            if not pick:
                continue
            body = (SUMMARY[lang]["best"] if body.startswith(best_head) else SUMMARY[lang]["worst"]).format(
                quote=" ".join(pick[0].evidence.quote.split()))
            cites = [pick[0].evidence]
        out.append((body, cites))
    return out


def summary_md(v: Verdict, a: StallAnalysis | None, doc_case: dict, lang: str) -> str:
    """The summary sentences, each with its citations once (case/file, page)."""
    out = []
    for body, cites in summary_parts(v, a, lang):
        labels = "; ".join(label for _, label in pages_label(cites, doc_case, lang))
        out.append(f"{body} [{labels}]." if labels else f"{body}.")
    return " ".join(out)


def _pct(x: float, lang: str) -> str:
    text = f"{100 * x:.0f}%"
    return text


def discriminating_lines(comparison: dict, lang: str) -> list[str]:
    t = texts(lang)
    rows = comparison.get("discriminating_obstacles", [])
    stalled = comparison["stalled"]
    others = [c for c in comparison["cases"] if c not in stalled]
    lines = [f"- {t['discriminating']}: " + ("" if rows else t["none"]) + (f" _{t['discriminating_note']}_" if rows else "")]
    for d in rows:
        lines.append(f"  - `{d['code']}` ({obstacle_name(d['code'], lang)}): " + t["discriminating_row"].format(
            ns=len(d["stalled_cases"]), ts=len(stalled), ps=d["stalled_passages"], ss=_pct(d["stalled_share"], lang),
            nw=len(d["working_cases"]), tw=len(others), pw=d["working_passages"], sw=_pct(d["working_share"], lang)))
    return lines


def timeline_lines(events: list[TimelineEvent], lang: str, doc_case: dict | None = None) -> list[str]:
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
                     f"\u201c{s.quote}\u201d [{_md(cite_label(s, doc_case or {}, lang))}]{more}")
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


def published_lines(by_el: dict[str, Verdict], lang: str, doc_case: dict | None = None) -> list[str]:
    """Per element with a published assessment: its value against the evidence's, then each assessment quoted."""
    t = texts(lang)
    lines = [t["published_note"], ""]
    for v, label, published, evidence_status, relation, tie in published_items(by_el, lang):
        lines.append(f"- **{label}** ({v.element}): {t['published_doc']} {published}; {t['published_evidence']} "
                     f"{evidence_status} ({v.score:+.2f}): {relation}" + (f"; {tie}" if tie else ""))
        for a in v.assessments:  # quotes stay exactly as the document has them
            lines.append(f"  - {STATUS[lang][a.value]}: \u201c{a.quote}\u201d [{_md(cite_label(a, doc_case or {}, lang))}]")
    return lines if len(lines) > 2 else [t["published_none"]]


def override_line(o: dict, lang: str) -> str:
    """A reviewer's override, said as such: who, when, why, and what the aggregator had found."""
    t = texts(lang)
    return (f"**{t['override']}** {_md(o['reviewer'])} ({(o.get('at') or '')[:10]}): {STATUS[lang][o['status']]}; "
            f"{t['override_was']} {STATUS[lang].get(o.get('replaced_status') or '', '?')}. "
            f"{t['override_reason']}: {_md(o['reason'])}")


def render(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], title: str | None = None, *,
           lang: str | None = None, timelines: dict[str, list[TimelineEvent]] | None = None,
           gaps: dict[str, CaseGaps] | None = None, comparison: dict | None = None,
           stalls: dict[str, StallAnalysis] | None = None) -> str:
    lang = resolve_lang(lang)
    t = texts(lang)
    comparison = comparison if comparison is not None else compare_cases(verdicts)
    stalls = stalls if stalls is not None else analyse_all(verdicts, documents)
    doc_case = {d.doc: d.case for d in documents}
    lines = [f"# {title or t['title']}", "", f"## {t['matrix']}", ""]
    lines += matrix_lines(verdicts, lang)
    lines += ["", NUMBERS[lang]]
    lines += ["", f"## {t['comparison']}", ""] + comparison_lines(comparison, lang)
    for case, by_el in sorted(verdicts.items()):
        lines += ["", f"## {case}", ""]
        if case in stalls:
            lines += why_lines(stalls[case], doc_case, lang) + [""]
        lines += [f"### {t['verdict_details']}", ""]
        for el in ELEMENTS:
            v = by_el[el]
            lines += [f"#### {ELEMENT[lang][el]} ({el}): {STATUS[lang][v.status]}", ""]
            if v.override:
                lines += [override_line(v.override, lang), ""]
            if v.sentences:
                lines += [summary_md(v, stalls.get(case), doc_case, lang), ""]
            for note in filter(None, (note_text(n, lang) for n in v.notes)):
                lines += [f"- {t['notes'].lower()}: {note}"]
            for ob in v.obstacles[:5]:
                lines += [f"- `{ob.code}` ({obstacle_name(ob.code, lang)}): {ob.count} {t['passages']}"]
        lines += ["", f"### {t['published']}", ""] + published_lines(by_el, lang, doc_case)
        if timelines is not None:
            lines += ["", f"### {t['timeline']}", ""] + timeline_lines(timelines.get(case, []), lang, doc_case)
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
