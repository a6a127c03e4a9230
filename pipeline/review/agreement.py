"""Inter-coder agreement: Cohen's kappa and Krippendorff's alpha.

Written out here (not a dependency) because the definitions are short and the
figures are quoted in the project's documentation: kappa for two coders on the
same units; alpha (nominal) for any number of coders with missing values.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path

from pipeline.data import ELEMENTS, OBSTACLE_CODES


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty label sequences")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float:
    """Nominal alpha. `units` is one sequence of coders' values per unit (None = not coded)."""
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for values in units:
        vals = [v for v in values if v is not None]
        m = len(vals)
        if m < 2:
            continue
        for i, x in enumerate(vals):
            for j, y in enumerate(vals):
                if i != j:
                    coincidence[(x, y)] += 1 / (m - 1)
    n_c: Counter[Hashable] = Counter()
    for (x, _y), w in coincidence.items():
        n_c[x] += w
    n = sum(n_c.values())
    if n <= 1:
        raise ValueError("alpha needs at least one unit coded by two coders")
    d_o = sum(w for (x, y), w in coincidence.items() if x != y) / n
    d_e = sum(n_c[x] * n_c[y] for x in n_c for y in n_c if x != y) / (n * (n - 1))
    if d_e == 0:
        return 1.0 if d_o == 0 else 0.0
    return 1 - d_o / d_e


def compare(first: list[dict], second: list[dict]) -> dict:
    """Agreement between two codings of the same passages (matched by id)."""
    by_id = {r["id"]: r for r in second}
    pairs = [(a, by_id[a["id"]]) for a in first if a["id"] in by_id]
    if not pairs:
        raise ValueError("the two codings share no passage ids")
    out: dict = {"n": len(pairs), "elements": {}, "obstacles": {}}
    for el in ELEMENTS:
        xa = [el in a["elements"] for a, _ in pairs]
        xb = [el in b["elements"] for _, b in pairs]
        out["elements"][el] = {
            "kappa": round(cohen_kappa(xa, xb), 3),
            "alpha": round(krippendorff_alpha(list(zip(xa, xb))), 3),
            "agreement": round(sum(x == y for x, y in zip(xa, xb)) / len(pairs), 3),
            "first": sum(xa), "second": sum(xb),
        }
    sa = [a["stance"] for a, _ in pairs]
    sb = [b["stance"] for _, b in pairs]
    out["stance"] = {"kappa": round(cohen_kappa(sa, sb), 3), "alpha": round(krippendorff_alpha(list(zip(sa, sb))), 3),
                     "agreement": round(sum(x == y for x, y in zip(sa, sb)) / len(pairs), 3)}
    for code in OBSTACLE_CODES:
        xa = [code in a["obstacles"] for a, _ in pairs]
        xb = [code in b["obstacles"] for _, b in pairs]
        if sum(xa) + sum(xb):
            out["obstacles"][code] = {"kappa": round(cohen_kappa(xa, xb), 3), "first": sum(xa), "second": sum(xb)}
    out["case_agreement"] = round(sum(a["case"] == b["case"] for a, b in pairs) / len(pairs), 3)
    out["disagreements"] = [
        {"id": a["id"], "first": {k: a[k] for k in ("elements", "stance", "obstacles", "case")},
         "second": {k: b[k] for k in ("elements", "stance", "obstacles", "case")}}
        for a, b in pairs
        if (a["elements"], a["stance"], a["case"]) != (b["elements"], b["stance"], b["case"])
    ]
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def markdown(results: dict[str, dict], command: str) -> str:
    lines = ["# Inter-coder agreement", "", f"Written by `{command}`; do not edit by hand.", ""]
    for name, r in results.items():
        lines += [f"## {name}", "", f"{r['n']} passages coded independently by both coders.", "",
                  "| label | Cohen's kappa | Krippendorff's alpha | raw agreement | first coder | second coder |",
                  "|---|---|---|---|---|---|"]
        for el, v in r["elements"].items():
            lines.append(f"| {el} | {v['kappa']:.3f} | {v['alpha']:.3f} | {v['agreement']:.3f} | {v['first']} | {v['second']} |")
        s = r["stance"]
        lines.append(f"| stance (3 classes) | {s['kappa']:.3f} | {s['alpha']:.3f} | {s['agreement']:.3f} | | |")
        lines += ["", f"Case attribution agreement: {r['case_agreement']:.3f}.", "",
                  "Obstacle codes (kappa where either coder used the code):", ""]
        lines += [f"- `{c}`: kappa {v['kappa']:.3f} ({v['first']} / {v['second']})" for c, v in r["obstacles"].items()]
        lines += ["", f"Disagreements on elements, stance or case: {len(r['disagreements'])}.", ""]
    return "\n".join(lines)


def write_agreement(annotations: Path) -> tuple[Path, dict[str, dict]]:
    """Compare coder A and coder B for every round in annotations/double_coding/ and write AGREEMENT.md.

    Round N consists of coder_a_roundN.jsonl (A's labels as they stood when B
    coded, before any adjudication) and coder_b_roundN.jsonl (B's blind labels). A sample of the sentence bank
    (annotations/bank/) double-coded in round N is bank_coder_a_roundN.jsonl / bank_coder_b_roundN.jsonl, reported
    apart as "bank roundN" (the corpus's human ceiling, quality/human_ceiling.py, does not pool it).
    """
    folder = annotations / "double_coding"
    results: dict[str, dict] = {}
    for a_path in sorted(folder.glob("coder_a_round*.jsonl")):
        rnd = a_path.stem.rsplit("_", 1)[-1]
        b_path = folder / f"coder_b_{rnd}.jsonl"
        if b_path.exists():
            results[rnd] = compare(read_jsonl(a_path), read_jsonl(b_path))
    for a_path in sorted(folder.glob("bank_coder_a_round*.jsonl")):
        rnd = a_path.stem.rsplit("_", 1)[-1]
        b_path = folder / f"bank_coder_b_{rnd}.jsonl"
        if b_path.exists():
            results[f"bank {rnd}"] = compare(read_jsonl(a_path), read_jsonl(b_path))
    if not results:
        raise FileNotFoundError(f"no coder_a_roundN.jsonl / coder_b_roundN.jsonl pairs in {folder}")
    out = annotations / "AGREEMENT.md"
    out.write_text(markdown(results, "sistercity agreement"), encoding="utf-8")
    return out, results
