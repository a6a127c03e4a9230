"""Published assessments: what a case's own documents say about an element, in so many words.

Research papers on a case usually end each finding with a verdict of their own ("Dengan demikian
elemen komitmen dinilai tidak terpenuhi", "Elemen ini dinilai terpenuhi sebagian", "commitment was
not met"). The codebook codes such bare verdicts `neutral` (R18 c, R11 b, R32 b): they are not
evidence, and counting them would count the facts behind them twice. They are still worth showing
next to the tool's own verdict, so this module finds them; `verdicts.decide` lists them, says whether
they agree with the evidence, and (only with `Thresholds(published_tiebreak=True)`) lets them break a
near tie (the rule is written in `pipeline/aggregate/verdicts.py`).

What counts as an assessment: one sentence of a passage that

- names an element (Indonesian or English names and their usual variants, `ELEMENT_NAMES`), or
  refers to one as "elemen ini" / "unsur ini" / "this element", resolved to the single element the
  passage's section heading names, else to the nearest preceding sentence of the same document and
  section that opens with one element's name; and
- carries a value phrase after the element's name (`VALUE_PHRASES`: terpenuhi / tidak terpenuhi /
  terpenuhi sebagian / hanya sebagian / tidak dapat dinilai / tidak cukup untuk menyimpulkan; was
  met / not met / partly met / too little evidence), or an active "memenuhi unsur X, Y" before the
  names ("... hanya sebagian" after them makes it partial). "dinilai" / "judged" only introduce the
  value; on their own ("dinilai berhasil", "dinilai kritis") they assess nothing.

- lists a value applies to, after it: "tiga dari lima elemen tidak terpenuhi, yaitu A, B dan C", "three of the
  five key elements are not fulfilled, namely A, B and C", "sejumlah unsur sudah dipenuhi, seperti X dan
  Y"; in such a list the framework's own wordings name elements too (`DESCRIPTIVE_NAMES`: a formal or written
  agreement, a group that represents the community, an understanding about continuation, mutual benefit,
  results), and a list in a sentence of its own ("Which are A, B and C.") takes the value of the count the
  sentence before left open ("Three out of five key elements ... are not fulfilled."); a value after a listed
  element is its own ("empat terpenuhi dan satu, yakni A, terpenuhi sebagian": A partial);
- "partially met / achieved", "partly so", "remains weak", "masih lemah", "masih perlu ditingkatkan" (partial:
  present but short of the bar), "belum dipenuhi / tercapai", "not yet achieved" (not fulfilled), "telah
  dipenuhi" (fulfilled); table rows with an element and a status ("| Komitmen | Tidak terpenuhi |").

Left out: questions ("unsur mana yang terpenuhi?"), conditions, norms and method statements ("bila
komitmen terpenuhi", "harus", "setiap temuan ... dinilai terpenuhi, sebagian, atau tidak
terpenuhi": no single element named), a value phrase with no element before it in its clause, and
"paling kuat" / "paling lemah" / "titik lemah" (no value on the codebook's scale). One sentence may
assess several elements ("memenuhi unsur komitmen, hubungan timbal balik, dan hasil nyata hanya
sebagian, sedangkan pemahaman bersama tidak terpenuhi"): clauses are split at "sedangkan / tetapi /
namun / while / whereas / but" and semicolons, and within a clause each value goes to the elements
named since the previous value.

Pure functions on passages: no document text is needed (a passage's text is the document's text at
its offsets), so the aggregator can run this on what it streams per case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.data import Assessment, Document, Passage
from pipeline.ingest.segment import sentence_spans

FINDING_TYPES = ("paper",)  # document types whose stated verdicts are a researcher's findings

ORDINAL = {"not_fulfilled": 0, "partial": 1, "fulfilled": 2}  # insufficient_evidence is off this scale

ELEMENT_NAMES: dict[str, tuple[str, ...]] = {
    "commitment": (r"komitmen", r"commitment"),
    "participation": (r"partisipasi(?:\s+(?:masyarakat|publik|warga))?", r"keterlibatan\s+masyarakat",
                      r"(?:community\s+|public\s+|citizen\s+)?participation"),
    "understanding": (r"pemahaman\s+bersama", r"saling\s+pengertian",
                      r"(?:shared|mutual|common)\s+understanding"),
    "reciprocity": (r"(?:hubungan\s+)?timbal[\s-]+balik", r"resiprositas", r"reciprocity"),
    # bare "hasil" is everywhere ("hasil kunjungan"): only after "elemen/unsur"
    "outcomes": (r"hasil\s+nyata", r"(?<=elemen\s)hasil", r"(?<=unsur\s)hasil",
                 r"(?:tangible\s+)?(?:outcomes|results)(?=\s+(?:was|were|is|are|remained|remain|have|has|had)\b)", r"tangible\s+outcomes"),
}
ANAPHOR = re.compile(r"\b(?:elemen|unsur)\s+ini\b|\bthis\s+element\b", re.I)

# The framework's own wordings of the elements (UNDP 2001, after Ringrose: "commitment to the link / legal
# agreement", "community participation / representation", "understanding of continuation", "mutual benefit /
# reciprocity", "results"), as authors list them. Too common to count on their own ("hasil", "results", "legal
# agreement"), they name an element only in an enumeration after a value ("... telah dipenuhi seperti adanya
# X, Y"; "... are not fulfilled, namely X, Y"), see `judge_sentence`.
DESCRIPTIVE_NAMES: dict[str, tuple[str, ...]] = {
    "commitment": (r"commitment\s+to\s+(?:the\s+)?link", r"(?:legal|formal|written)\s+agreements?",
                   r"(?:perjanjian|kesepakatan|kerja\s*sama)\s+(?:secara\s+)?(?:legal|resmi|formal|tertulis|hukum)"),
    "participation": (r"(?:komunitas|kelompok|lembaga|organisasi)\s+yang\s+(?:merepresentasikan|mewakili)\s+masyarakat",
                      r"(?:representasi|keterwakilan|perwakilan|pelibatan|peran\s+serta)\s+(?:masyarakat|warga)",
                      r"community\s+(?:representation|involvement)", r"(?:public|citizen)\s+involvement"),
    "understanding": (r"(?:pengertian|pemahaman|kesepahaman)\s+(?:tentang|mengenai|akan|atas)\s+(?:ke)?(?:ber)?lanjutan",
                      r"understanding\s+(?:of|about)\s+(?:the\s+)?continu(?:ation|ity)", r"kesepahaman(?:\s+bersama)?"),
    "reciprocity": (r"(?:mutual|shared|reciprocal)\s+benefits?", r"(?:keuntungan|manfaat)\s+(?:bersama|timbal\s+balik)",
                    r"saling\s+menguntungkan"),
    "outcomes": (r"hasil(?:\s+(?:nyata|konkret|kerja\s*sama))?", r"(?:tangible\s+|concrete\s+)?(?:results|outcomes)"),
}
# what opens the list of elements a value applies to: "seperti", "yaitu", "namely", "which are", a colon
ENUMERATION = re.compile(r"(?:\b(?:seperti|yaitu|yakni|ialah|antara\s+lain|termasuk|namely|such\s+as|including|"
                         r"which\s+(?:are|were|is)|that\s+is|i\.e\.)|:)", re.I)
# a sentence that only continues the previous one's list ("Which are A, B ...", "Yaitu ...")
CONTINUATION = re.compile(r"^\W*(?:which\s+(?:are|were)|namely|these\s+are|they\s+are|yaitu|yakni|antara\s+lain|"
                          r"ialah|elemen[- ]elemen\s+tersebut\s+(?:adalah|ialah))\b", re.I)
# a count of the framework's elements before or after a value: "tiga dari lima elemen", "three out of five key elements"
COUNTED = re.compile(r"\b(?:elemen|unsur|poin|aspek|elements?|points?|aspects?|conditions?|syarat)\b", re.I)

# value -> phrases; tried longest first at each position, so "tidak terpenuhi" is never read as
# "terpenuhi", nor "terpenuhi sebagian" as "terpenuhi"
VALUE_PHRASES: dict[str, tuple[str, ...]] = {
    "insufficient_evidence": (
        r"(?:(?:hampir|sama\s+sekali)\s+)?(?:tidak|belum)\s+(?:dapat|bisa)\s+dinilai",
        r"tidak\s+cukup\s+untuk\s+(?:menyimpulkan|menarik\s+(?:sebuah\s+)?kesimpulan)",
        r"too\s+little\s+evidence", r"(?:not\s+enough|insufficient)\s+evidence",
        r"(?:cannot|could\s+not|can\s+not)\s+be\s+(?:assessed|judged)",
    ),
    "partial": (
        r"(?:hanya\s+)?terpenuhi\s+(?:hanya\s+)?sebagian", r"(?:hanya\s+)?sebagian\s+terpenuhi",
        r"(?:tidak|belum)\s+sepenuhnya\s+terpenuhi",
        r"hanya\s+sebagian(?=\s*(?:[,.;:]|$))",
        r"(?:only\s+)?(?:partly|partially)\s+(?:met|fulfilled)", r"not\s+fully\s+(?:met|fulfilled)",
        r"(?:was|were|is|are|remained)\s+(?:only\s+)?partial\b",
        r"(?:hanya\s+)?(?:sebagian|separuhnya)\s+(?:dipenuhi|tercapai)", r"(?:tidak|belum)\s+sepenuhnya\s+(?:dipenuhi|tercapai)",
        r"(?:only\s+)?(?:partly|partially)\s+(?:achieved|so|present|realised|realized)\b",
        # "remains weak", "masih lemah", "masih perlu ditingkatkan": present but short of the bar
        r"(?:masih|tetap)\s+(?:sangat\s+)?(?:lemah|kurang|rendah|terbatas|minim)",
        r"masih\s+perlu\s+(?:ditingkatkan|diperkuat|dioptimalkan)",
        r"(?:remains?|remained|is\s+still|are\s+still|was\s+still|were\s+still|stays?)\s+(?:(?:rather|very|quite)\s+)?"
        r"(?:weak|limited|low|thin)\b",
    ),
    "not_fulfilled": (
        r"(?:tidak|belum)\s+terpenuhi", r"(?:tidak|belum)\s+(?:di)?penuhi", r"(?:tidak|belum)\s+tercapai",
        r"(?:not|never)\s+(?:yet\s+)?(?:been\s+)?(?:met|fulfilled|achieved)\b", r"\bunmet\b", r"\bunfulfilled\b",
    ),
    "fulfilled": (
        r"terpenuhi", r"(?:telah|sudah)\s+(?:di)?penuhi", r"dipenuhi",
        r"(?:was|were|is|are|been|be|judged|rated|considered)\s+(?:(?:fully|clearly|largely|well)\s+)?(?:met|fulfilled)\b",
        r"(?:was|were|is|are|been)\s+(?:fully\s+)?achieved\b",
        r"(?:was|were)\s+clearly\s+present\b",
    ),
}
ACTIVE = re.compile(r"\b(?:(?P<neg>tidak|belum)\s+)?memenuhi\b", re.I)  # "memenuhi unsur A, B dan C"
CLAUSE_BREAK = re.compile(r";|,?\s+(?:sedangkan|tetapi|namun|whereas|while)\s+|,\s+but\s+", re.I)
# a clause with one of these does not state a finding: a condition, a norm, a question
GUARD = re.compile(r"\b(?:bila|jika|apabila|kalau|seandainya|agar|supaya|harus|perlu|mesti|hendaknya|mana|manakah|"
                   r"apakah|if|unless|whether|which|should|must|needs?\s+to)\b", re.I)
# a guard word inside a value phrase ("masih perlu ditingkatkan") or opening an enumeration ("which are") is no guard


def _compile(alternatives: Iterable[str]) -> re.Pattern:
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")(?![\w-])", re.I)


_ELEMENT_RE = {el: _compile(names) for el, names in ELEMENT_NAMES.items()}
_DESCRIPTIVE_RE = {el: _compile(ELEMENT_NAMES[el] + names) for el, names in DESCRIPTIVE_NAMES.items()}
_VALUE_RE = re.compile("|".join(f"(?P<{v}>(?<![\\w-])(?:" + "|".join(sorted(ps, key=len, reverse=True)) + r")(?![\w-]))"
                                for v, ps in VALUE_PHRASES.items()), re.I)


@dataclass(slots=True)
class _Sentence:
    doc: str
    start: int
    end: int
    text: str
    section: str | None
    passage: Passage


def element_mentions(text: str, descriptive: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, element) of every element name in `text`, in order, overlaps resolved to the longest;
    with `descriptive` also the framework's own wordings (`DESCRIPTIVE_NAMES`)."""
    table = _DESCRIPTIVE_RE if descriptive else _ELEMENT_RE
    found = sorted(((m.start(), -m.end(), el) for el, rx in table.items() for m in rx.finditer(text)))
    out, last_end = [], -1
    for s, neg_end, el in found:
        if s >= last_end:
            out.append((s, -neg_end, el))
            last_end = -neg_end
    return out


def named_elements(text: str | None) -> list[str]:
    return list(dict.fromkeys(el for _, _, el in element_mentions(text or "")))


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts, at = [], 0
    for m in CLAUSE_BREAK.finditer(text):
        cuts.append((at, m.start()))
        at = m.end()
    cuts.append((at, len(text)))
    return [(s, e) for s, e in cuts if e > s]


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def judge_sentence(text: str, anaphor_element: str | None = None,
                   carried_value: str | None = None) -> list[tuple[str, str]]:
    """(element, value) pairs a sentence states; `anaphor_element` is what "elemen ini" refers to;
    `carried_value` the value of a count the previous sentence left open ("three of five elements are not
    fulfilled."), which a sentence that only lists elements ("Which are commitment, ...") takes.

    Within a clause each value goes to the elements named since the previous value ("A dan B tidak
    terpenuhi"); elements listed after a value behind an enumeration word take that value ("... tidak
    terpenuhi, yaitu A dan B"; "... telah dipenuhi seperti adanya X, Y"), and there the framework's own
    wordings of the elements count as names (`DESCRIPTIVE_NAMES`)."""
    return _judge(text, anaphor_element, carried_value)[0]


def open_count(text: str) -> str | None:
    """The value a sentence leaves open for the next one: a count of elements with a value and no element
    named after it ("Three out of five key elements of the partnership are not fulfilled.")."""
    return _judge(text)[1]


def _judge(text: str, anaphor_element: str | None = None,
           carried_value: str | None = None) -> tuple[list[tuple[str, str]], str | None]:
    if text.rstrip().endswith("?"):
        return [], None
    if carried_value and CONTINUATION.search(text) and not _VALUE_RE.search(text):
        return [(el, carried_value) for el in dict.fromkeys(el for _, _, el in element_mentions(text, True))], None
    out: list[tuple[str, str]] = []
    left_open = None
    for cs, ce in _clauses(text):
        clause = text[cs:ce]
        values = [(m.start(), m.end(), m.lastgroup) for m in _VALUE_RE.finditer(clause)]
        active = [(m.start(), "act", "not_fulfilled" if m.group("neg") else "fulfilled") for m in ACTIVE.finditer(clause)]
        if not (values or active):
            continue
        enum = [m for m in ENUMERATION.finditer(clause) if values and m.start() >= values[0][1]]
        unguarded = _blank(clause, [(s, e) for s, e, _ in values] + [(m.start(), m.end()) for m in enum])
        if GUARD.search(unguarded):
            continue
        # the framework's own wordings count after the first enumeration word that follows a value
        enum_at = enum[0].end() if enum else None
        mentions = element_mentions(clause)
        if enum_at is not None:
            mentions = [m for m in mentions if m[0] < enum_at] + \
                       [(s + enum_at, e + enum_at, el) for s, e, el in element_mentions(clause[enum_at:], True)]
        tokens = [(s, "el", el) for s, _, el in mentions]
        if anaphor_element:
            tokens += [(m.start(), "el", anaphor_element) for m in ANAPHOR.finditer(clause)]
        if not tokens:
            if values and COUNTED.search(clause[:values[-1][0]]):
                left_open = values[-1][2]
            continue
        pending: list[str] = []
        listed_after: str | None = None  # the value the pending elements were listed after ("... terpenuhi, yaitu A")
        act: list | None = None  # [value, elements] of an active "memenuhi"
        for at, kind, what in sorted(tokens + [(s, "val", v) for s, _, v in values] + active):
            if kind == "act":
                act, pending, listed_after = [what, []], [], None
            elif kind == "el":
                if act is not None:
                    act[1].append(what)
                else:
                    pending.append(what)
            elif act is not None and act[1]:
                if what == "partial":  # "memenuhi unsur A dan B hanya sebagian"
                    act[0] = "partial"
            elif pending:  # a value after the elements is theirs, even when they were listed after another one
                out += [(el, what) for el in pending]
                pending, listed_after = [], None
            elif enum_at is not None and at < enum_at:
                listed_after = what
        if pending and listed_after:
            out += [(el, listed_after) for el in pending]
        if act is not None and act[1]:
            out += [(el, act[0]) for el in act[1]]
    return list(dict.fromkeys(out)), left_open


def _sentences(passages: list[Passage]) -> list[_Sentence]:
    out = []
    for p in passages:
        for s, e in sentence_spans(p.text, p.start):
            out.append(_Sentence(p.doc, s, e, p.text[s - p.start:e - p.start], p.section, p))
    return out


def _resolve(sentences: list[_Sentence], i: int) -> str | None:
    """The element "elemen ini" in sentences[i] refers to: the one its section heading names, else the
    nearest preceding sentence of the same section that opens with one element's name."""
    here = sentences[i]
    heading = named_elements(here.section)
    if len(heading) == 1:
        return heading[0]
    for prev in reversed(sentences[:i]):
        if prev.section != here.section:
            break
        mentions = element_mentions(prev.text)
        if mentions and mentions[0][0] <= 3 and len({el for _, _, el in mentions}) == 1:
            return mentions[0][2]
    return None


def find_assessments(passages: Iterable[Passage], docs: dict[str, Document] | None = None,
                     case: str | None = None) -> list[Assessment]:
    """The assessments stated in `passages` (any order; those of `case` only, when given; a passage's
    case is its attribution). Their quotes are whole sentences, exact at (start, end) of the document."""
    docs = docs or {}
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.doc, []).append(p)
    out: list[Assessment] = []
    for doc_id, ps in by_doc.items():
        d = docs.get(doc_id)
        sentences = _sentences(sorted(ps, key=lambda p: p.start))
        carried = None  # a count the previous sentence left open ("three of five elements are not fulfilled.")
        for i, s in enumerate(sentences):
            has_value = bool(_VALUE_RE.search(s.text) or ACTIVE.search(s.text))
            carry, carried = carried, (open_count(s.text) if has_value else None)
            if case is not None and s.passage.case != case:
                continue
            if not has_value and not (carry and CONTINUATION.search(s.text)):
                continue
            anaphor = _resolve(sentences, i) if ANAPHOR.search(s.text) else None
            for element, value in judge_sentence(s.text, anaphor, carry):
                page = d.page_at(s.start) if d is not None and d.pages else s.passage.page
                out.append(Assessment(case=s.passage.case, element=element, value=value, doc=doc_id, page=page,
                                      start=s.start, end=s.end, quote=s.text, passage=s.passage.key,
                                      source=d.source if d else None, doc_type=d.type if d else None))
    return out


def consensus(found: list[Assessment]) -> str | None:
    """The value the assessments agree on; "mixed" when they do not; None when there is none."""
    values = {a.value for a in found}
    return None if not values else values.pop() if len(values) == 1 else "mixed"


def agreement(published: str | None, evidence_status: str) -> str | None:
    """How a published value relates to the evidence-based status: "agrees", "one_step" (adjacent on
    not_fulfilled < partial < fulfilled), "conflict" (two steps), "differs" (one side is
    insufficient_evidence, the other a value), "sources_disagree" (published is "mixed"), or None."""
    if published is None:
        return None
    if published == "mixed":
        return "sources_disagree"
    if published == evidence_status:
        return "agrees"
    if published in ORDINAL and evidence_status in ORDINAL:
        return "one_step" if abs(ORDINAL[published] - ORDINAL[evidence_status]) == 1 else "conflict"
    return "differs"


__all__ = ["ORDINAL", "agreement", "consensus", "element_mentions", "find_assessments", "judge_sentence", "open_count"]
