"""Check, render and collect the demo corpus.

    python corpora/build.py check [CASE ...]    validate sources and their labels
    python corpora/build.py render [CASE ...]   write demo/<case>/ from sources/<case>/
    python corpora/build.py annotations         write annotations/passages.jsonl, entities.jsonl

The source format is described in corpora/README.md. This script has no
dependency on the `pipeline` package: the corpus is data, built on its own.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

from source_format import (  # noqa: F401  (re-exported: tests/data/make_data.py imports them from here)
    ANNOTATIONS,
    DEMO,
    ELEMENTS,
    FORMATS,
    HERE,
    ISO_DATE,
    LABELS,
    MARKUP,
    OBSTACLES,
    ROOT,
    SOURCES,
    STANCES,
    TYPES,
    Source,
    case_dirs,
    load_case,
    parse_source,
    strip_markup,
)

CONTRACT_TYPE = {"action_plan": "other"}  # the output contract's document types have no action_plan
SPEAKER = re.compile(r"^\s*\**\s*([A-Z][\w.'’ -]{0,40}?|[A-Z]\d?)\s*\**\s*:\**\s+(?=\S)")


def section_at(plain: str, offset: int) -> str | None:
    """The last heading line ("# ...") before offset."""
    heads = [m for m in re.finditer(r"^# +(.+)$", plain[:offset], re.M)]
    return heads[-1].group(1).strip() if heads else None


def speaker_at(plain: str, offset: int) -> str | None:
    """The speaker of the transcript line (or its paragraph) that holds offset."""
    para_start = plain.rfind("\n\n", 0, offset) + 2 if plain.rfind("\n\n", 0, offset) >= 0 else 0
    for line in reversed(plain[para_start:offset + 1].split("\n")):
        m = SPEAKER.match(line)
        if m:
            return m.group(1).strip()
    return None


def quote_pattern(quote: str) -> re.Pattern[str]:
    quote = MARKUP.sub(lambda m: m.group(1), quote).strip()
    parts = [re.escape(p) for p in quote.split()]
    return re.compile(r"\s+".join(parts))


def resolve_passages(src: Source, known_cases: set[str]) -> tuple[list[dict], list[str]]:
    """Resolve a document's passage labels to offsets; return (rows, problems)."""
    path = ANNOTATIONS / "passages" / src.case / f"{src.stem}.jsonl"
    rows: list[dict] = []
    problems: list[str] = []
    if not path.exists():
        return rows, problems
    cursor = 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.relative_to(ROOT)}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        pat = quote_pattern(row.get("text", ""))
        m = pat.search(src.plain, cursor) or pat.search(src.plain)
        if not row.get("text", "").strip() or not m:
            problems.append(f"{where}: text not found in {src.path.name}: {row.get('text', '')[:70]!r}")
            continue
        cursor = m.end()
        els = row.get("elements", [])
        bad = [e for e in els if e not in ELEMENTS]
        if bad:
            problems.append(f"{where}: unknown elements {bad}")
        if row.get("stance") not in STANCES:
            problems.append(f"{where}: stance must be one of {sorted(STANCES)}")
        badob = [o for o in row.get("obstacles", []) if o not in OBSTACLES]
        if badob:
            problems.append(f"{where}: unknown obstacle codes {badob}")
        if row.get("stance") == "neutral" and els:
            problems.append(f"{where}: a neutral passage carries no elements")
        if row.get("stance") != "neutral" and not els:
            problems.append(f"{where}: a positive/obstacle passage needs at least one element")
        if row.get("obstacles") and row.get("stance") != "obstacle":
            problems.append(f"{where}: obstacle codes only on stance 'obstacle'")
        if row.get("case") not in known_cases:
            problems.append(f"{where}: case {row.get('case')!r} is not a case folder")
        rows.append(
            {"doc": src.doc_key, "start": m.start(), "end": m.end(), "text": m.group(0),
             "doc_type": CONTRACT_TYPE.get(src.header.get("type", "other"), src.header.get("type", "other")),
             "section": section_at(src.plain, m.start()), "speaker": speaker_at(src.plain, m.start()),
             "case": row.get("case"), "elements": [e for e in ELEMENTS if e in els],
             "stance": row.get("stance"), "obstacles": sorted(set(row.get("obstacles", []))),
             "coder": row.get("coder", "A")}
        )
    return rows, problems


def check(names: list[str]) -> int:
    problems: list[str] = []
    known = {d.name for d in case_dirs([])}
    n_docs = n_pass = n_ent = 0
    for case_dir in case_dirs(names):
        try:
            case = load_case(case_dir)
            if case.get("slug") != case_dir.name:
                problems.append(f"{case_dir}/case.toml: slug must equal the folder name")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{case_dir}/case.toml: {exc}")
        for path in sorted(case_dir.glob("*.txt")):
            n_docs += 1
            try:
                src = parse_source(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            h = src.header
            if h.get("type") not in TYPES:
                problems.append(f"{path}: type must be one of {sorted(TYPES)}")
            if h.get("format") not in FORMATS:
                problems.append(f"{path}: format must be one of {sorted(FORMATS)}")
            if "[[" in src.plain or "]]" in src.plain:
                problems.append(f"{path}: malformed entity markup near {src.plain[src.plain.find('[['):][:60]!r}")
            for ent in src.entities:
                n_ent += 1
                if ent["label"] not in LABELS:
                    problems.append(f"{path}: unknown entity label {ent['label']} on {ent['text']!r}")
                if ent["label"] == "DATE" and not (ent["normalized"] and ISO_DATE.match(ent["normalized"])):
                    problems.append(f"{path}: DATE {ent['text']!r} needs an ISO value, got {ent['normalized']!r}")
                if ent["label"] == "ORG" and not ent["normalized"]:
                    problems.append(f"{path}: ORG {ent['text']!r} needs its canonical name")
            rows, probs = resolve_passages(src, known)
            n_pass += len(rows)
            problems.extend(probs)
    for p in problems:
        print(p)
    print(f"{n_docs} documents, {n_pass} labelled passages, {n_ent} entity mentions, {len(problems)} problems")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"check", "render", "annotations"}:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "check":
        return check(rest)
    if cmd == "render":
        from render import render_all  # noqa: PLC0415  (needs the [dev] extra)

        return render_all(rest)
    return collect_annotations()


def collect_annotations() -> int:
    known = {d.name for d in case_dirs([])}
    passages: list[dict] = []
    entities: list[dict] = []
    documents: list[dict] = []
    heldout: list[dict] = []
    for case_dir in case_dirs([]):
        for path in sorted(case_dir.glob("*.txt")):
            src = parse_source(path)
            documents.append({"doc": src.doc_key, "case": src.case, "type": src.header.get("type"),
                              "format": src.header.get("format"), "language": src.header.get("language", "id"),
                              "entities": src.header.get("entities") == "full",
                              "entities_heldout": src.header.get("entities") == "heldout", "text": src.plain})
            rows, probs = resolve_passages(src, known)
            if probs:
                print("\n".join(probs))
                return 1
            passages.extend(rows)
            if src.header.get("entities") == "full":
                for ent in src.entities:
                    entities.append({"doc": src.doc_key, **ent})
            elif src.header.get("entities") == "heldout":  # a test set: never used to write rules or train
                for ent in src.entities:
                    heldout.append({"doc": src.doc_key, **ent})
    for i, row in enumerate(passages):
        row["id"] = f"p{i:05d}"
    write_jsonl(ANNOTATIONS / "passages.jsonl", passages)
    write_jsonl(ANNOTATIONS / "entities.jsonl", entities)
    write_jsonl(ANNOTATIONS / "documents.jsonl", documents)
    write_jsonl(ANNOTATIONS / "entities_heldout.jsonl", heldout)
    print(f"{len(passages)} passages, {len(entities)} entity mentions, {len(documents)} document texts written to {ANNOTATIONS}")
    return 0


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main(sys.argv[1:]))
