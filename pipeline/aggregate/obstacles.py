"""Obstacles stated in so many words: "kendalanya antara lain anggaran terbatas dan SDM yang kurang",
"challenges like budgetary constraints and manpower shortages".

Authors and officials name a case's obstacles in summary sentences, often lists, that the passage
classifier may read as neutral (a thesis's conclusion, an interview's aside) or code with only one of
the several codes the sentence names. Such a sentence is the most direct evidence of an obstacle there
is, so the verdicts report its codes too, each citing the passage (codebook section 6: a code is given
for what the text states). A sentence counts when it names an obstacle as one (a head word: hambatan,
kendala, masalah, tantangan, obstacle, challenge, ...) or sits in a passage the classifier read as an
obstacle, and the codebook's cue wordings of a code (pipeline/classify/cues.py, lexicon version 2,
Indonesian and English) occur in it. Sentences that speak of sister cities in general ("pada umumnya",
"typically", a citation) or deny an obstacle ("tanpa kendala", "no major problems") are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.classify.cues import OBSTACLE_CUES_V2
from pipeline.classify.prefilter import search
from pipeline.data import Passage

HEAD = re.compile(
    r"\b(?:hambatan(?:nya)?|kendala(?:nya)?|masalah(?:nya)?|permasalahan|persoalan|tantangan(?:nya)?|kekurangan|"
    r"kelemahan|terhambat|menghambat|obstacles?|barriers?|challenges?|constraints?|problems?|difficult(?:y|ies)|"
    r"weakness(?:es)?|shortcomings?|hindered|hampered|impeded)\b", re.I)
GENERAL = re.compile(
    r"\b(?:pada\s+umumnya|umumnya|biasanya|secara\s+umum|sering\s*kali|lazimnya|dapat\s+berupa|bisa\s+berupa|"
    r"in\s+general|generally|typically|usually|commonly|tend\s+to|may\s+include|can\s+include|often\s+face)\b"
    r"|\((?:[A-Z][\w'.-]+(?:,?\s+(?:&|dan|and)\s+[A-Z][\w'.-]+)?(?:\s+et\s+al\.?)?),?\s+(?:19|20)\d\d[a-z]?(?::\s*\d+)?\)",
    re.I)
DENIED = re.compile(r"\b(?:tidak\s+ada|tanpa|tak\s+ada|bebas\s+dari)\s+(?:\w+\s+)?(?:hambatan|kendala|masalah)\b|"
                    r"\bno\s+(?:major\s+|real\s+|serious\s+)?(?:obstacles?|problems?|barriers?|difficult(?:y|ies))\b|"
                    r"\bwithout\s+(?:any\s+)?(?:obstacles?|problems?|difficult(?:y|ies))\b", re.I)
# a problem the cooperation takes on ("membantu mengatasi masalah banjir") is its subject, not its obstacle
SOLVING = re.compile(r"\b(?:mengatasi|menangani|menanggulangi|memecahkan|menyelesaikan|penanggulangan|penanganan|"
                     r"solve[sd]?|solving|address(?:ed|es|ing)?|tackl\w+|overc[oa]me|overcoming|cope\s+with)\b", re.I)
# a crisis is an obstacle when it stopped or held up the cooperation (disaster drills are content, not obstacles)
DISRUPTED = re.compile(r"\b(?:terhenti|berhenti|tertunda|ditunda|dibatalkan|batal|terhambat|menghambat|vakum|"
                       r"ancaman|terganggu|halted|suspended|postponed|cancel(?:l?ed)?|disrupt\w*|hampered|hindered|"
                       r"paused|stopped|put\s+on\s+hold)\b", re.I)
SENTENCE = re.compile(r"[^.!?;]+(?:[.!?;]+|$)")
# the codebook's usual element of each code (section 6, first column of "usual elements"), for a stated
# obstacle in a passage the classifier gave no element
USUAL_ELEMENT = {"budget": "commitment", "staff_turnover": "commitment", "language": "understanding",
                 "coordination": "commitment", "monitoring": "commitment", "no_follow_up": "commitment",
                 "ceremonial": "reciprocity", "leadership_change": "commitment", "schedule_conflict": "reciprocity",
                 "institutional_change": "commitment", "undefined_outcomes": "understanding",
                 "one_sided_benefit": "reciprocity", "hr_capacity": "commitment", "bureaucracy": "commitment",
                 "external_crisis": "outcomes"}


@dataclass(slots=True)
class StatedObstacle:
    code: str
    element: str
    passage: Passage
    sentence: str


def stated_codes(sentence: str, in_obstacle_passage: bool = False) -> list[str]:
    """The obstacle codes a sentence states, [] when it states none (see the module docstring)."""
    if GENERAL.search(sentence) or DENIED.search(sentence):
        return []
    if not in_obstacle_passage and (not HEAD.search(sentence) or SOLVING.search(sentence)):
        return []
    low = sentence.lower()
    return [code for code, pattern in OBSTACLE_CUES_V2.items() if search(pattern, low)  # = pattern.search(low)
            and (code != "external_crisis" or DISRUPTED.search(sentence))]


def stated_obstacles(passages: Iterable[Passage]) -> list[StatedObstacle]:
    """Every (code, element) a passage states, once per passage, for the elements the classifier gave the
    passage (else the code's usual element). Background passages are the caller's to leave out."""
    out: list[StatedObstacle] = []
    for p in passages:
        seen: set[tuple[str, str]] = set()
        for m in SENTENCE.finditer(p.text):
            sentence = m.group(0).strip()
            for code in stated_codes(sentence, p.stance == "obstacle"):
                for element in (p.elements or [USUAL_ELEMENT[code]]):
                    if (code, element) not in seen:
                        seen.add((code, element))
                        out.append(StatedObstacle(code=code, element=element, passage=p, sentence=sentence))
    return out
