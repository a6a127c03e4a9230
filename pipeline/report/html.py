"""A self-contained HTML report: one file, no network, no JavaScript.

Plots are inline SVG drawn here: a heatmap of cases x elements, obstacle bars
per case and a timeline per case. Every evidence quote links to an appendix
that shows the text of its page with the quoted span highlighted. Document
text is untrusted input: every piece of it goes through `html.escape`, so
markup in a document is shown as text and never runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from html import escape

from pipeline.aggregate.gaps import CaseGaps
from pipeline.aggregate.prose import OBSTACLE_ID, cite
from pipeline.aggregate.timeline import KIND_LABEL_EN, KIND_LABEL_ID, TimelineEvent
from pipeline.data import ELEMENTS, Document, Evidence, Verdict
from pipeline.report import markdown as md
from pipeline.report.compare import compare as compare_cases
from pipeline.report.present import NUMBERS, cite_label, note_text, pages_label
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

STATUS_COLOUR = {"fulfilled": "#1a9850", "partial": "#fdd835", "not_fulfilled": "#d73027",
                 "insufficient_evidence": "#bdbdbd"}
STATUS_INK = {"fulfilled": "#ffffff", "partial": "#222222", "not_fulfilled": "#ffffff", "insufficient_evidence": "#222222"}
KIND_COLOUR = {"loi_signing": "#6a3d9a", "mou_signing": "#6a3d9a", "action_plan_signing": "#9e79c4", "signing": "#9e79c4",
               "visit": "#1f78b4", "return_visit": "#33a02c", "festival": "#ff7f00", "forum": "#e31a1c",
               "training": "#b15928", "monev": "#01665e", "exchange": "#fb9a99", "inauguration": "#000000",
               "meeting": "#8c8c8c", "letter": "#a6cee3"}
OBSTACLE_PALETTE = ("#d73027", "#f46d43", "#fdae61", "#abd9e9", "#74add1", "#4575b4", "#762a83", "#9970ab",
                    "#5aae61", "#1b7837", "#8c510a", "#bf812d", "#35978f", "#c51b7d", "#7f7f7f")

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:0 18px 60px;
color:#1d1d1d;line-height:1.45}
h1{margin-top:24px}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:40px}h3{margin-top:26px}
table{border-collapse:collapse;margin:8px 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 7px;vertical-align:top;text-align:left}
.plot{display:block;max-width:100%;height:auto;margin:8px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;font-weight:600}
.verdict{border:1px solid #ddd;border-radius:6px;padding:8px 14px;margin:12px 0}
.override{border-left:4px solid #8a4baf;background:#f6effa;padding:4px 8px}
.quote{font-style:italic}.muted{color:#666;font-size:13px}
.page{white-space:pre-wrap;font-family:Georgia,serif;font-size:14px;border:1px solid #ddd;padding:10px 14px;background:#fafafa}
mark.positive{background:#c7e9c0}mark.obstacle{background:#fcbba1}mark.event{background:#c6dbef}
mark.published{background:#dadaeb}
span.qa:target+mark{outline:3px solid #222}
nav a{margin-right:12px}details{margin:6px 0}li{margin:3px 0}
.why{border-left:4px solid #d73027;padding:2px 14px;background:#fff8f6}q.ev{font-style:italic}
table.both{width:100%;table-layout:fixed}table.both td:first-child,table.both th:first-child{width:18%}
.numbers{font-size:13px;background:#f4f4f4;padding:6px 10px}
@media (max-width:640px){body{padding:0 10px 40px;overflow-wrap:anywhere}table{display:block;overflow-x:auto;max-width:100%}
svg,img{max-width:100%;height:auto}.page{overflow-x:auto}table.both,table.both tr,table.both td,table.both th{display:block;width:auto!important}
table.both th{display:none}table{font-size:13px}nav a{display:inline-block;margin:2px 8px 2px 0}}
"""


def _e(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def _id(*parts) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join(str(p) for p in parts))


def quote_anchor(doc: str, start: int, end: int) -> str:
    return _id("q", doc, start, end)


def page_anchor(doc: str, page: int) -> str:
    return _id("p", doc, page)


# ----------------------------------------------------------------------------------------------- plots
def heatmap_svg(verdicts: dict[str, dict[str, Verdict]], lang: str) -> str:
    cases = sorted(verdicts)
    label_w, cell_w, cell_h, head_h = 230, 172, 38, 40
    width, height = label_w + cell_w * len(ELEMENTS) + 10, head_h + cell_h * len(cases) + 36
    out = [f'<svg class="plot heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(texts(lang)["matrix"])}">']
    for j, el in enumerate(ELEMENTS):
        x = label_w + j * cell_w + cell_w / 2
        out.append(f'<text x="{x:.0f}" y="{head_h - 12}" text-anchor="middle" font-size="12" font-weight="600">'
                   f'{_e(ELEMENT[lang][el])}</text>')
    for i, case in enumerate(cases):
        y = head_h + i * cell_h
        out.append(f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="end" font-size="13">{_e(case)}</text>')
        for j, el in enumerate(ELEMENTS):
            v = verdicts[case][el]
            x = label_w + j * cell_w
            pos = sum(e.stance == "positive" for e in v.evidence)
            neg = len(v.evidence) - pos
            out.append(f'<a href="#{_id("v", case, el)}"><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                       f'height="{cell_h - 2}" fill="{STATUS_COLOUR[v.status]}" rx="3">'
                       f'<title>{_e(case)} / {_e(el)}: {_e(STATUS[lang][v.status])}</title></rect>'
                       f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="middle" font-size="12" '
                       f'fill="{STATUS_INK[v.status]}">{v.score:+.2f} ({pos}+/{neg}-)</text></a>')
    ly = head_h + cell_h * len(cases) + 18
    for k, (status, colour) in enumerate(STATUS_COLOUR.items()):
        lx = label_w + k * 170
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{lx + 17}" y="{ly}" font-size="12">{_e(STATUS[lang][status])}</text>')
    out.append("</svg>")
    return "".join(out)


def obstacle_bars_svg(case: str, freq: dict[str, int], scale_max: int, colours: dict[str, str]) -> str:
    if not freq:
        return ""
    label_w, bar_w, row_h = 170, 420, 20
    rows = list(freq.items())
    width, height = label_w + bar_w + 50, row_h * len(rows) + 10
    out = [f'<svg class="plot obstacles" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(case)}">']
    for i, (code, n) in enumerate(rows):
        y = 5 + i * row_h
        w = max(2.0, bar_w * n / max(1, scale_max))
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{_e(code)}</text>'
                   f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colours.get(code, "#888")}">'
                   f'<title>{_e(code)}: {n}</title></rect>'
                   f'<text x="{label_w + w + 5:.1f}" y="{y + 14}" font-size="12">{n}</text>')
    out.append("</svg>")
    return "".join(out)


def _ordinal(iso: str) -> int:
    try:
        return date.fromisoformat(iso).toordinal()
    except ValueError:
        return 0


def timeline_svg(case: str, events: list[TimelineEvent], lang: str) -> str:
    if not events:
        return ""
    kinds = KIND_LABEL_EN if lang == "en" else KIND_LABEL_ID
    first = min(int(ev.start_date[:4]) for ev in events)
    last = max(int(ev.end_date[:4]) for ev in events) + 1
    lo, hi = date(first, 1, 1).toordinal(), date(last, 1, 1).toordinal()
    left, width, plot_w = 20, 1130, 1060
    rows = {"local": 42, None: 92, "both": 92, "partner": 142}
    height = 205

    def x_of(iso: str) -> float:
        return left + plot_w * (_ordinal(iso) - lo) / max(1, hi - lo)

    out = [f'<svg class="plot timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(texts(lang)["timeline"])} {_e(case)}">',
           f'<line x1="{left}" y1="92" x2="{left + plot_w}" y2="92" stroke="#555" stroke-width="1.5"/>']
    for year in range(first, last + 1):
        x = x_of(f"{year}-01-01")
        out.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="165" stroke="#e3e3e3"/>'
                   f'<text x="{x + 3:.1f}" y="182" font-size="12" fill="#444">{year}</text>')
    out.append(f'<text x="{left}" y="14" font-size="11" fill="#666">{_e(SIDE[lang]["local"])}</text>'
               f'<text x="{left}" y="200" font-size="11" fill="#666">{_e(SIDE[lang]["partner"])}</text>')
    stack: dict[tuple[int, object], int] = {}
    for i, ev in enumerate(events, 1):
        x0, x1 = x_of(ev.start_date), x_of(ev.end_date)
        key = (round(x0 / 8), ev.side if ev.side in rows else None)
        n = stack.get(key, 0)
        stack[key] = n + 1
        y = rows.get(ev.side, 92) + (n % 3) * 9 * (-1 if ev.side == "local" else 1)
        colour = KIND_COLOUR.get(ev.kind, "#444")
        title = f"{ev.date} {kinds[ev.kind]}: {ev.label}"
        link = f'<a href="#{_id("ev", case, i)}">'
        if x1 - x0 > 10:  # a month, a season or a year: a bar for the whole span
            out.append(f'{link}<rect x="{x0:.1f}" y="{y - 4}" width="{x1 - x0:.1f}" height="8" rx="3" fill="{colour}" '
                       f'fill-opacity="0.55"><title>{_e(title)}</title></rect></a>')
        else:
            dash = ' stroke-dasharray="2,2"' if ev.status != "held" else ""
            fill = "#ffffff" if ev.status != "held" else colour
            out.append(f'{link}<circle cx="{x0:.1f}" cy="{y}" r="6" fill="{fill}" stroke="{colour}" stroke-width="2"{dash}>'
                       f'<title>{_e(title)}</title></circle></a>')
    out.append("</svg>")
    legend = " ".join(f'<span style="color:{c}">&#9679;</span> {_e(kinds[k])}' for k, c in KIND_COLOUR.items()
                      if any(ev.kind == k for ev in events))
    return "".join(out) + f'<div class="muted">{legend}</div>'


# ----------------------------------------------------------------------------------------------- text parts
def quote_link(ev: Evidence | object, lang: str) -> str:
    t = texts(lang)
    return (f'<a class="quote" href="#{quote_anchor(ev.doc, ev.start, ev.end)}">\u201c{_e(ev.quote)}\u201d</a> '
            f'<span class="muted">[{_e(ev.source or ev.doc)}, {t["page"]} {ev.page}]</span>')


def sentence_html(text: str, cites: list[Evidence]) -> str:
    """The sentence escaped, with each of its citations turned into a link to the quoted span."""
    out, cursor = [], 0
    for ev in cites:
        label = cite(ev)
        at = text.find(label, cursor)
        href = f"#{quote_anchor(ev.doc, ev.start, ev.end)}"
        if at < 0:
            out.append(f' <a href="{href}">[{_e(ev.source or ev.doc)}, {ev.page}]</a>')
            continue
        out.append(_e(text[cursor:at]) + f'<a href="{href}">{_e(label)}</a>')
        cursor = at + len(label)
    return "".join(out) + _e(text[cursor:])


def cite_link(ev, doc_case: dict, lang: str) -> str:
    """A citation (case/file, page) that links to the quoted span in the appendix."""
    return f'<a href="#{quote_anchor(ev.doc, ev.start, ev.end)}">{_e(cite_label(ev, doc_case, lang))}</a>'


def quote_html(q: Quote, doc_case: dict, lang: str) -> str:
    t = texts(lang)
    ev = q.evidence
    who = f"{t['speaker']} {q.speaker}" if q.speaker else DOC_KIND[lang].get(ev.doc_type or "other", ev.doc_type or "")
    origin = f"; {_e(t['attributed'].format(case=q.attributed_from))}" if q.attributed_from else ""
    return (f'<q class="ev">{_e(" ".join(ev.quote.split()))}</q> <span class="muted">[{cite_link(ev, doc_case, lang)}; '
            f"{_e(who)}{origin}]</span>")


def why_html(a: StallAnalysis, doc_case: dict, lang: str) -> str:
    """The case's "why it stalls" part (see markdown.why_lines)."""
    t = texts(lang)
    parts = [f'<section class="why"><h3>{_e(t["why"])}</h3>',
             f"<p>{_e(t['why_stalled'] if a.stalled else t['why_working'])}</p>"]
    if not a.obstacles:
        parts.append(f"<p class='muted'>{_e(t['why_none'])}</p>")
    else:
        parts.append("<ol class='obstacles'>")
        for o in a.obstacles:
            hurt = ", ".join(f"{ELEMENT[lang][el].lower()} ({n})" for el, n in o.elements)
            parts.append(f"<li><b>{_e(md.obstacle_name(o.code, lang))}</b> <code>{_e(o.code)}</code>: "
                         f"{o.passages} {_e(t['passages'])}; {_e(t['hurts'])} {_e(hurt)}; {_e(t['concerns'])} "
                         f"{_e(md.side_name(a, o.side, lang))}<ul>"
                         + "".join(f"<li>{quote_html(q, doc_case, lang)}</li>" for q in o.quotes) + "</ul></li>")
        parts.append("</ol>")
    parts.append(f"<h4>{_e(t['per_element'])}</h4><table class='both'><tr><th>{_e(t['element'])}</th>"
                 f"<th>{_e(t['for'])}</th><th>{_e(t['against'])}</th></tr>")
    for e in a.elements:
        cells = ["".join(f"<p>{quote_html(q, doc_case, lang)}</p>" for q in quotes) or f"<p class='muted'>{_e(t['no_quote'])}</p>"
                 for quotes in (e.supporting, e.against)]
        parts.append(f'<tr><td><a href="#{_id("v", a.case, e.element)}">{_e(ELEMENT[lang][e.element])}</a><br>'
                     f'<span class="badge" style="background:{STATUS_COLOUR[e.status]};color:{STATUS_INK[e.status]}">'
                     f"{_e(STATUS[lang][e.status])}</span></td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
    parts.append("</table>")
    if a.excluded_other_cases:
        parts.append(f"<p class='muted'>{_e(t['excluded'].format(n=a.excluded_other_cases))}</p>")
    parts.append(f"<p class='muted'>{_e(t['quote_rule'])}</p></section>")
    return "".join(parts)


def summary_html(v: Verdict, a: StallAnalysis | None, doc_case: dict, lang: str) -> str:
    """The summary as in report.md (markdown.summary_md), its citations linked to the quoted spans."""
    out = []
    for body, cites in md.summary_parts(v, a, lang):
        links = "; ".join(cite_link(ev, doc_case, lang) for ev, _ in pages_label(cites, doc_case, lang))
        out.append(f"{_e(body)} [{links}]." if links else f"{_e(body)}.")
    return " ".join(out)


def verdict_html(case: str, v: Verdict, lang: str, a: StallAnalysis | None = None, doc_case: dict | None = None) -> str:
    t = texts(lang)
    parts = [f'<div class="verdict" id="{_id("v", case, v.element)}"><h4>{_e(ELEMENT[lang][v.element])} '
             f'<span class="muted">({_e(v.element)})</span> <span class="badge" style="background:'
             f'{STATUS_COLOUR[v.status]};color:{STATUS_INK[v.status]}">{_e(STATUS[lang][v.status])}</span> '
             f'<span class="muted">{t["score"]} {v.score:+.2f}</span></h4>']
    if v.override:
        o = v.override
        parts.append(f'<p class="override"><b>{_e(t["override"])}</b> {_e(o["reviewer"])} ({_e((o.get("at") or "")[:10])}): '
                     f'{_e(STATUS[lang][o["status"]])}; {_e(t["override_was"])} '
                     f'{_e(STATUS[lang].get(o.get("replaced_status") or "", "?"))}. {_e(t["override_reason"])}: '
                     f'{_e(o["reason"])}</p>')
    if v.sentences:
        parts.append("<p>" + summary_html(v, a, doc_case or {}, lang) + "</p>")
    for note in filter(None, (note_text(n, lang) for n in v.notes)):
        parts.append(f'<p class="muted">{_e(t["notes"])}: {_e(note)}</p>')
    if v.obstacles:
        parts.append(f"<p><b>{_e(t['obstacles'])}</b></p><ul>")
        for ob in v.obstacles[:6]:
            first = f": {quote_link(ob.evidence[0], lang)}" if ob.evidence else ""
            parts.append(f"<li><code>{_e(ob.code)}</code> ({_e(md.obstacle_name(ob.code, lang))}), "
                         f"{ob.count} {t['passages']}{first}</li>")
        parts.append("</ul>")
    if v.evidence:
        parts.append(f"<details><summary>{_e(t['all_evidence'])} ({len(v.evidence)})</summary><ol>")
        for ev in v.evidence:
            parts.append(f'<li><span class="badge" style="background:{"#c7e9c0" if ev.stance == "positive" else "#fcbba1"}">'
                         f'{_e(ev.stance)}</span> <span class="muted">{ev.weight:.2f} {_e(ev.doc_type)}</span> '
                         f'{quote_link(ev, lang)}</li>')
        parts.append("</ol></details>")
    parts.append("</div>")
    return "".join(parts)


def published_html(by_el: dict[str, Verdict], lang: str) -> str:
    """Per element with a published assessment: its value against the evidence's, then each assessment quoted."""
    t = texts(lang)
    items = []
    for v, label, published, evidence_status, relation, tie in published_items(by_el, lang):
        quotes = "".join(f"<li>{_e(STATUS[lang][a.value])}: {quote_link(a, lang)}</li>" for a in v.assessments)
        items.append(f'<li><a href="#{_id("v", v.case, v.element)}"><b>{_e(label)}</b></a>: {_e(t["published_doc"])} '
                     f'{_e(published)}; {_e(t["published_evidence"])} {_e(evidence_status)} ({v.score:+.2f}): '
                     f'<b>{_e(relation)}</b>{"; " + _e(tie) if tie else ""}<ul>{quotes}</ul></li>')
    if not items:
        return f"<p class='muted'>{_e(t['published_none'])}</p>"
    return f"<p class='muted'>{_e(t['published_note'])}</p><ul class='published'>" + "".join(items) + "</ul>"


def timeline_table(case: str, events: list[TimelineEvent], lang: str) -> str:
    t = texts(lang)
    if not events:
        return f"<p class='muted'>{_e(t['no_events'])}</p>"
    kinds = KIND_LABEL_EN if lang == "en" else KIND_LABEL_ID
    rows = [f"<table><tr><th>{t['date']}</th><th>{t['kind']}</th><th>{t['event']}</th><th>{t['side']}</th>"
            f"<th>{t['status_ev']}</th><th>{t['sources']}</th></tr>"]
    for i, ev in enumerate(events, 1):
        srcs = "<br>".join(quote_link(s, lang) for s in ev.sources[:3])
        if len(ev.sources) > 3:
            srcs += f'<details><summary>+{len(ev.sources) - 3}</summary>' + "<br>".join(
                quote_link(s, lang) for s in ev.sources[3:]) + "</details>"
        rows.append(f'<tr id="{_id("ev", case, i)}"><td>{_e(ev.date)}</td><td>{_e(kinds[ev.kind])}</td>'
                    f"<td>{_e(ev.label)}</td><td>{_e(SIDE[lang][ev.side])}</td><td>{_e(EVENT_STATUS[lang][ev.status])}</td>"
                    f"<td>{srcs}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def gaps_html(g: CaseGaps, lang: str) -> str:
    t = texts(lang)
    items = []
    for e in g.elements:
        if e.reasons:
            items.append(f"<li><b>{_e(ELEMENT[lang][e.element])}</b>: "
                         + "; ".join(_e(GAP_REASON[lang][r]) for r in e.reasons)
                         + f" <span class='muted'>({e.passages} {t['passages']}, {e.documents} dok.; "
                           f"{_e(', '.join(e.doc_types))})</span></li>")
    held = ", ".join(f"{_e(DOC_KIND[lang].get(k, k))} {n}" for k, n in g.documents.items()) or _e(t["none"])
    items.append(f"<li>{_e(t['docs_present'])}: {held}</li>")
    missing = "".join(f"<li><b>{_e(DOC_KIND[lang][k])}</b>: {_e(MISSING_HINT[lang][k])}</li>" for k in g.missing)
    items.append(f"<li>{_e(t['missing_docs'])}: " + (f"<ul>{missing}</ul>" if missing else _e(t["none"])) + "</li>")
    for f in g.failed:
        items.append(f"<li>{_e(t['failed_docs'])}: {_e(f)}</li>")
    return f"<p class='muted'>{_e(t['gaps_note'])}</p><ul class='gaps'>" + "".join(items) + "</ul>"


def comparison_html(comparison: dict, lang: str, colours: dict[str, str]) -> str:
    t = texts(lang)
    scale = max([n for f in comparison["obstacles"].values() for n in f.values()] or [1])
    parts = [f"<h3>{_e(t['obstacle_freq'])}</h3><p class='muted'>{_e(t['obstacle_freq_note'])}</p>"]
    for case in comparison["cases"]:
        freq = comparison["obstacles"].get(case, {})
        parts.append(f"<h4>{_e(case)}</h4>" + (obstacle_bars_svg(case, freq, scale, colours) or f"<p>{_e(t['none'])}</p>"))
    parts.append(f"<h3>{_e(t['patterns'])}</h3><p class='muted'>{_e(t['stalled_def'])}</p><ul>")
    parts.append(f"<li>{_e(t['stalled'])}: {_e(', '.join(comparison['stalled']) or t['none'])}</li>")
    shared = "".join(
        f"<li><code>{_e(s['code'])}</code> ({_e(OBSTACLE_ID.get(s['code'], s['code']))}): {len(s['cases'])}/"
        f"{len(comparison['stalled'])} ({_e(', '.join(s['cases']))})"
        + (f"; {_e(t['also_in'])}: {_e(', '.join(s['in_other_cases']))}" if s["in_other_cases"] else "") + "</li>"
        for s in comparison["shared_obstacles"])
    disc = md.discriminating_lines(comparison, lang)
    parts.append(f"<li>{_e(disc[0][2:])}<ul>" + "".join(f"<li>{_e(x.strip()[2:])}</li>" for x in disc[1:]) + "</ul></li>")
    parts.append(f"<li>{_e(t['shared_obstacles'])} <span class='muted'>({_e(t['shared_note'])})</span>: "
                 + (f"<ul>{shared}</ul>" if shared else _e(t["none"])) + "</li>")
    pairs = "".join(f"<li>{_e(ELEMENT[lang][p['elements'][0]])} + {_e(ELEMENT[lang][p['elements'][1]])}: "
                    f"{len(p['cases'])} ({_e(', '.join(p['cases']))})</li>" for p in comparison["co_failing"])
    parts.append(f"<li>{_e(t['co_failing'])}: " + (f"<ul>{pairs}</ul>" if pairs else _e(t["none"])) + "</li></ul>")
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- appendix
def cited_spans(verdicts: dict[str, dict[str, Verdict]], timelines: dict[str, list[TimelineEvent]]):
    """(doc, page, start, end, class) of every span the report links to."""
    spans = set()
    for by_el in verdicts.values():
        for v in by_el.values():
            for ev in [*v.evidence, *(e for o in v.obstacles for e in o.evidence), *(e for s in v.sentences for e in s.cites)]:
                spans.add((ev.doc, ev.page, ev.start, ev.end, ev.stance))
            for a in v.assessments:
                spans.add((a.doc, a.page, a.start, a.end, "published"))
    for events in timelines.values():
        for ev in events:
            for s in ev.sources:
                spans.add((s.doc, s.page, s.start, s.end, "event"))
    return spans


def _page_ranges(d: Document) -> list[tuple[int, int, int]]:
    return [(p.page, p.start, p.end) for p in d.pages] or [(1, 0, len(d.text))]


def spans_by_doc(spans) -> dict[str, list]:
    by_doc: dict[str, list] = {}
    for s in spans:
        by_doc.setdefault(s[0], []).append(s)
    return by_doc


def appendix_order(documents: list[Document], by_doc: dict[str, list]) -> list[int]:
    """Indices of the documents the appendix shows (readable, with a cited span), in the order shown.
    Needs only their metadata: a caller streaming from a store loads each text when it is its turn."""
    return sorted((i for i, d in enumerate(documents) if d.doc in by_doc and d.status == "ok"),
                  key=lambda i: (documents[i].case or "", documents[i].source))


def appendix_html(documents: list[Document], spans, lang: str) -> str:
    by_doc = spans_by_doc(spans)
    return "".join(appendix_document_html(documents[i], by_doc[documents[i].doc], lang)
                   for i in appendix_order(documents, by_doc))


def appendix_document_html(d: Document, doc_spans: list, lang: str) -> str:
    """The appendix pages of one document (its full text), the cited spans highlighted and anchored."""
    t = texts(lang)
    priority = {"obstacle": 0, "positive": 1, "event": 2}
    parts = []
    pages = _page_ranges(d)
    # each span is anchored on its home page (the last page starting at or before it), highlighted wherever it runs
    home = {sp: max((p for p in pages if p[1] <= sp[2]), key=lambda p: p[1], default=pages[0])[0] for sp in doc_spans}
    for number, ps, pe in pages:
        here = [sp for sp in doc_spans if sp[2] < pe and sp[3] > ps]
        anchored = [sp for sp in doc_spans if home[sp] == number]
        if not here and not anchored:
            continue
        cuts = sorted({ps, pe, *(min(max(sp[2], ps), pe) for sp in here), *(min(max(sp[3], ps), pe) for sp in here)})
        starts: dict[int, list[str]] = {}
        for sp in anchored:
            starts.setdefault(min(max(sp[2], ps), pe), []).append(quote_anchor(sp[0], sp[2], sp[3]))
        body = []
        for a, b in zip(cuts, cuts[1:]):
            body += [f'<span class="qa" id="{i}"></span>' for i in sorted(set(starts.pop(a, [])))]
            cover = [sp for sp in here if sp[2] <= a and sp[3] >= b]
            seg = _e(d.text[a:b])
            if cover:
                cls = min((sp[4] for sp in cover), key=lambda c: priority.get(c, 3))
                body.append(f'<mark class="{_e(cls)}">{seg}</mark>')
            else:
                body.append(seg)
        for ids in starts.values():
            body += [f'<span class="qa" id="{i}"></span>' for i in sorted(set(ids))]
        parts.append(f'<h4 id="{page_anchor(d.doc, number)}">{_e(d.source)}, {t["page"]} {number} '
                     f'<span class="muted">({_e(d.case)}, {_e(d.type)}, {_e(d.doc)})</span></h4>'
                     f'<div class="page">{"".join(body)}</div>')
    return "".join(parts)


# ----------------------------------------------------------------------------------------------- page
def render(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], *, lang: str | None = None,
           timelines: dict[str, list[TimelineEvent]] | None = None, gaps: dict[str, CaseGaps] | None = None,
           comparison: dict | None = None, meta: dict | None = None, title: str | None = None) -> str:
    return "".join(render_parts(verdicts, documents, lang=lang, timelines=timelines, gaps=gaps, comparison=comparison,
                                meta=meta, title=title))


def render_parts(verdicts: dict[str, dict[str, Verdict]], documents: list[Document], *, lang: str | None = None,
                 timelines: dict[str, list[TimelineEvent]] | None = None, gaps: dict[str, CaseGaps] | None = None,
                 comparison: dict | None = None, meta: dict | None = None, title: str | None = None,
                 appendix: Iterable[str] | None = None,
                 stalls: dict[str, StallAnalysis] | None = None) -> Iterator[str]:
    """The page in pieces, to be written as they come. `appendix`: the appendix's pieces from the caller
    (who loads each cited document's text in turn), else built from `documents` (which then hold their text)."""
    lang = resolve_lang(lang)
    t = texts(lang)
    timelines = timelines or {}
    gaps = gaps or {}
    comparison = comparison if comparison is not None else compare_cases(verdicts)
    stalls = stalls if stalls is not None else analyse_all(verdicts, documents)
    doc_case = {d.doc: d.case for d in documents}
    codes = [c for c in dict.fromkeys(c for f in comparison["obstacles"].values() for c in f)]
    colours = {c: OBSTACLE_PALETTE[i % len(OBSTACLE_PALETTE)] for i, c in enumerate(sorted(codes))}
    cases = sorted(verdicts)
    models = ", ".join(f"{k}: {v}" for k, v in ((meta or {}).get("models") or {}).items())
    head = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            f'img-src data:">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title or t['title'])}</title><style>{CSS}</style></head><body>")
    body = [f"<h1>{_e(title or t['title'])}</h1>",
            f"<p class='muted'>{_e(t['models'])}: {_e(models or '-')}</p>",
            "<nav>" + "".join(f'<a href="#{_id("case", c)}">{_e(c)}</a>' for c in cases)
            + f'<a href="#appendix">{_e(t["appendix"].split(":")[0])}</a></nav>',
            f"<h2 id='matrix'>{_e(t['matrix'])}</h2><p class='muted'>{_e(t['matrix_note'])}</p>",
            heatmap_svg(verdicts, lang), f"<p class='numbers'>{_e(NUMBERS[lang])}</p>",
            f"<h2 id='comparison'>{_e(t['comparison'])}</h2>", comparison_html(comparison, lang, colours)]
    yield head + "".join(body)
    for case in cases:  # one case at a time: the page of a large corpus is never held whole
        body = []
        body.append(f'<h2 id="{_id("case", case)}">{_e(case)}</h2>')
        if case in stalls:
            body.append(why_html(stalls[case], doc_case, lang))
        events = timelines.get(case, [])
        body.append(f"<h3>{_e(t['timeline'])}</h3><p class='muted'>{_e(t['timeline_note'])}</p>")
        body.append(timeline_svg(case, events, lang) + timeline_table(case, events, lang))
        body.append(f"<h3>{_e(t['verdicts'])}</h3>")
        body += [verdict_html(case, verdicts[case][el], lang, stalls.get(case), doc_case) for el in ELEMENTS
                 if el in verdicts[case]]
        body.append(f"<h3>{_e(t['published'])}</h3>" + published_html(verdicts[case], lang))
        if case in gaps:
            body.append(f"<h3>{_e(t['gaps'])}</h3>" + gaps_html(gaps[case], lang))
        docs = [d for d in documents if d.case == case]
        if docs:
            body.append(f"<h3>{_e(t['documents_read'])}</h3><ul>" + "".join(
                f"<li>{_e(d.source)} <span class='muted'>({_e(d.type)}, {len(d.pages)} {t['page']})</span>"
                + (f" <b>FAILED</b>: {_e(d.error)}" if d.status != "ok" else "") + "</li>" for d in docs) + "</ul>")
        yield "".join(body)
    yield f"<h2 id='appendix'>{_e(t['appendix'])}</h2>"
    if appendix is None:
        yield appendix_html(documents, cited_spans(verdicts, timelines), lang)
    else:
        yield from appendix
    yield "</body></html>\n"
