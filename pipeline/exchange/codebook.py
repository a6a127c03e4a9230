"""The codebook as the exchange formats carry it: every element, stance and obstacle code with its
definition, read from annotations/CODEBOOK.md (sections 3.1-3.5, 4.1 and 6.1), and the mapping of
another tool's code names onto ours.

Codes keep stable identifiers across exports: each code's GUID is a UUID5 of its kind and key, so a
project exported today and one exported next month name `commitment` with the same GUID, and an
import recognises our codes by GUID before it looks at names.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES
from pipeline.paths import annotations_dir

NAMESPACE = uuid.UUID("6f1c3a52-1d0e-5b7a-9c44-5157e7c17a00")  # sistercity's exchange identifiers
KINDS: tuple[str, ...] = ("element", "stance", "obstacle")
GROUPS = {"element": "Elemen · Elements", "stance": "Sikap · Stance", "obstacle": "Kode hambatan · Obstacle codes"}
COLORS = {  # one colour per element (QDA tools colour highlights by code), stances and obstacles by kind
    "commitment": "#1F77B4", "participation": "#2CA02C", "understanding": "#9467BD", "reciprocity": "#FF7F0E",
    "outcomes": "#17BECF", "positive": "#4CAF50", "obstacle": "#E53935", "neutral": "#9E9E9E",
}
OBSTACLE_COLOR = "#C62828"
# short names researchers give the elements in their own codebooks (besides our keys and full labels)
ALIASES = {"komitmen": "commitment", "partisipasi": "participation", "pemahaman": "understanding",
           "timbal_balik": "reciprocity", "hasil": "outcomes", "positif": "positive", "hambatan": "obstacle",
           "netral": "neutral"}


class CodebookError(ValueError):
    """The codebook file is missing or lacks a definition; or another tool's codes do not map onto ours."""


def guid(*parts: str) -> str:
    """A stable GUID for one of our records (code, user, source, selection, note)."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


@dataclass(slots=True)
class Code:
    kind: str  # element | stance | obstacle
    key: str  # commitment, positive, budget, ...
    label: str  # "Komitmen kedua pihak · Commitment of both sides" (elements), else the key
    definition_en: str
    definition_id: str
    section: str  # where in CODEBOOK.md

    @property
    def guid(self) -> str:
        return guid("code", self.kind, self.key)

    @property
    def color(self) -> str:
        return COLORS.get(self.key, OBSTACLE_COLOR)

    @property
    def description(self) -> str:
        """What a QDA tool shows as the code's description: label, both definitions and the section."""
        head = f"{self.label}\n\n" if self.label != self.key else ""
        return (f"{head}EN: {self.definition_en}\n\nID: {self.definition_id}\n\n"
                f"(sistercity codebook, annotations/CODEBOOK.md {self.section})")


@dataclass(slots=True)
class Codebook:
    codes: list[Code] = field(default_factory=list)
    source: str = ""

    def of(self, kind: str) -> list[Code]:
        return [c for c in self.codes if c.kind == kind]

    def by_guid(self) -> dict[str, Code]:
        return {c.guid: c for c in self.codes}

    def get(self, kind: str, key: str) -> Code:
        return next(c for c in self.codes if c.kind == kind and c.key == key)


def _squash(text: str) -> str:
    """One line of plain text: Markdown emphasis dropped, whitespace collapsed."""
    return re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", re.sub(r"\s+", " ", text)).strip()


def _paragraph(text: str, marker: str, start: int, end: int) -> str:
    """The paragraph that opens with `marker` between `start` and `end`, marker removed."""
    at = text.find(marker, start, end)
    if at < 0:
        return ""
    stop = text.find("\n\n", at)
    return _squash(text[at + len(marker):stop if stop >= 0 else end])


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Every code of pipeline/data.py with its definitions from CODEBOOK.md (default: the annotations
    folder's). Raises CodebookError naming the file and the code whose definition is missing."""
    path = Path(path) if path is not None else annotations_dir() / "CODEBOOK.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read the codebook ({exc.strerror or exc}); the exports describe each "
                            "code with its definition from it (set SISTERCITY_ANNOTATIONS to the folder holding "
                            "CODEBOOK.md)") from None
    codes: list[Code] = []
    heads = list(re.finditer(r"^### (3\.\d) `(\w+)` — (.+)$", text, re.M))
    for i, m in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else text.find("\n## 4.", m.end())
        codes.append(Code("element", m.group(2), _squash(m.group(3)), _paragraph(text, "**Definition (EN).**", m.end(), stop),
                          _paragraph(text, "**Definisi (ID).**", m.end(), stop), m.group(1)))
    s41 = re.search(r"^### 4\.1 .*$", text, re.M)
    if s41:
        stop = text.find("\n### ", s41.end())
        en, id_ = (_paragraph(text, "**EN.**", s41.end(), stop), _paragraph(text, "**ID.**", s41.end(), stop))
        for st in STANCES:
            def part(par: str, key: str = st) -> str:
                m = re.search(rf"`{key}` = (.+?)(?= `\w+` =| \*\*|$)", par)
                return m.group(1).strip() if m else ""
            codes.append(Code("stance", st, st, part(en), part(id_), "4.1"))
    for m in re.finditer(r"^\*\*`(\w+)`\*\* — ID:\s+(.+?)\sEN:\s+(.+?)(?=\n- |\n\n)", text, re.M | re.S):
        if m.group(1) in OBSTACLE_CODES:
            codes.append(Code("obstacle", m.group(1), m.group(1), _squash(m.group(3)), _squash(m.group(2)), "6.1"))
    wanted = [("element", e) for e in ELEMENTS] + [("stance", s) for s in STANCES] + [("obstacle", o) for o in OBSTACLE_CODES]
    found = {(c.kind, c.key): c for c in codes}
    missing = [f"{k} {key}" for k, key in wanted if not (found.get((k, key)) and found[(k, key)].definition_en)]
    if missing:
        raise CodebookError(f"{path}: no definition found for {', '.join(missing)} (sections 3.1-3.5, 4.1 and 6.1 "
                            "give each code's definition)")
    return Codebook([found[w] for w in wanted], str(path))


# ---------------------------------------------------------------------- another tool's codes onto ours
def _norm(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).casefold().strip()
    name = re.sub(r"^(elements?|elemen|stance|sikap|obstacles?|kode hambatan|hambatan)\s*[:/>·-]\s*", "", name)
    return re.sub(r"[\s\-]+", "_", name)


def read_mapping(path: Path | str) -> dict[str, str]:
    """A code mapping file: TOML or JSON, `"their code name" = "our code"` (a key of the codebook)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:
        raise CodebookError(f"{path}: cannot read the code mapping ({exc})") from None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CodebookError(f"{path}: a code mapping holds lines `\"their code\" = \"our code\"`, nothing else")
    return data


@dataclass(slots=True)
class Mapping:
    matched: dict[str, Code]  # their code GUID -> our code
    how: dict[str, str]  # their code GUID -> "guid" | "name" | "label" | "mapping file"
    unknown: list[str]  # names of their codable codes with no counterpart
    missing: list[Code]  # our codes nothing of theirs maps to


def map_codes(codebook: Codebook, theirs: list[tuple[str, str, bool]], mapping: dict[str, str] | None = None) -> Mapping:
    """Map `theirs` ((guid, name, codable) of another tool's codes) onto `codebook`: by our GUID, then by
    the mapping file, then by key or label (case, spaces and a leading "element:" etc. ignored)."""
    ours_by_guid = codebook.by_guid()
    by_name: dict[str, Code] = {}
    for c in codebook.codes:
        by_name.setdefault(_norm(c.key), c)
        for part in c.label.split("·"):
            by_name.setdefault(_norm(part), c)
    for alias, key in ALIASES.items():
        by_name.setdefault(alias, next(c for c in codebook.codes if c.key == key))
    wanted = {_norm(k): v for k, v in (mapping or {}).items()}
    keys = {c.key: c for c in codebook.codes}
    bad = sorted({v for v in wanted.values() if v not in keys})
    if bad:
        raise CodebookError(f"the code mapping names codes we do not have: {', '.join(bad)} "
                            f"(ours: {', '.join(keys)})")
    matched, how, unknown = {}, {}, []
    for g, name, codable in theirs:
        if g in ours_by_guid:
            matched[g], how[g] = ours_by_guid[g], "guid"
        elif _norm(name) in wanted:
            matched[g], how[g] = keys[wanted[_norm(name)]], "mapping file"
        elif _norm(name) in by_name:
            matched[g], how[g] = by_name[_norm(name)], "name"
        elif codable:
            unknown.append(name)
    used = {id(c) for c in matched.values()}
    return Mapping(matched, how, unknown, [c for c in codebook.codes if id(c) not in used])


def labels_of(codes: list[Code]) -> tuple[list[str], str | None, list[str]]:
    """(elements, stance, obstacles) of a set of codes applied to one span. The stance is None when no
    stance code is among them (the caller infers or refuses it)."""
    elements = [c.key for c in codes if c.kind == "element"]
    stances = sorted({c.key for c in codes if c.kind == "stance"})
    obstacles = [c.key for c in codes if c.kind == "obstacle"]
    if len(stances) > 1:
        raise CodebookError(f"one span carries several stances ({', '.join(stances)}); the codebook allows one")
    return elements, (stances[0] if stances else None), obstacles


def infer_stance(elements: list[str], stance: str | None, obstacles: list[str]) -> str:
    """A QDA coder often codes only the element: no stance code means `obstacle` when an obstacle code is
    there, `positive` when only elements are, `neutral` when neither is (README, "Coding in a QDA tool")."""
    if stance:
        return stance
    return "obstacle" if obstacles else "positive" if elements else "neutral"
