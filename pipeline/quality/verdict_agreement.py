"""Agreement between two codings of the case verdicts, and the tool's verdicts beside both.

Used by evaluation/verdict_agreement.py, which compares a second coder's blind verdicts
(annotations/verdicts_coder_b.toml) with the gold (annotations/verdicts.toml).
"""

from __future__ import annotations

from pipeline.data import ELEMENTS
from pipeline.review.agreement import cohen_kappa as kappa

VALUES = ("fulfilled", "partial", "not_fulfilled", "insufficient_evidence")


def cells(gold: dict) -> list[tuple[str, str]]:
    return [(case, el) for case in sorted(gold) for el in ELEMENTS]


def compare(gold: dict, coder_b: dict, tool: dict | None) -> dict:
    keys = cells(gold)
    missing = [f"{c}/{e}" for c, e in keys if coder_b.get(c, {}).get(e) not in VALUES]
    if missing:
        raise SystemExit(f"verdicts_coder_b.toml lacks a valid value for: {', '.join(missing)}")
    g = [gold[c][e] for c, e in keys]
    b = [coder_b[c][e] for c, e in keys]
    out: dict = {"cells": len(keys),
                 "coder_b_vs_gold": {"agreement": round(sum(x == y for x, y in zip(g, b, strict=True)) / len(keys), 4),
                                     "kappa": round(kappa(g, b), 4)},
                 "hard_cells": [f"{c}/{e}" for c, e in keys if coder_b[c].get(f"{e}_alt")]}
    either = sum(gold[c][e] in {coder_b[c][e], coder_b[c].get(f"{e}_alt")} for c, e in keys)
    out["coder_b_vs_gold"]["agreement_counting_alternatives"] = round(either / len(keys), 4)
    out["per_element"] = {el: sum(gold[c][el] == coder_b[c][el] for c in gold) / len(gold) for el in ELEMENTS}
    out["disagreements"] = [{"cell": f"{c}/{e}", "gold": gold[c][e], "coder_b": coder_b[c][e],
                             "coder_b_alt": coder_b[c].get(f"{e}_alt"), "why": coder_b[c].get(f"{e}_why", ""),
                             **({"tool": tool[c][e]["predicted"]} if tool else {})}
                            for c, e in keys if gold[c][e] != coder_b[c][e]]
    if tool:
        t = [tool[c][e]["predicted"] for c, e in keys]
        out["tool_vs_gold"] = {"agreement": round(sum(x == y for x, y in zip(g, t, strict=True)) / len(keys), 4),
                               "kappa": round(kappa(g, t), 4)}
        out["tool_vs_coder_b"] = {"agreement": round(sum(x == y for x, y in zip(b, t, strict=True)) / len(keys), 4),
                                  "kappa": round(kappa(b, t), 4)}
        out["tool_agrees_with_either"] = round(sum(x in {y, z} for x, y, z in zip(t, g, b, strict=True)) / len(keys), 4)
        if all("oracle" in tool[c][e] for c, e in keys):  # the aggregator on the gold passage labels
            o = [tool[c][e]["oracle"] for c, e in keys]
            out["oracle_vs_gold"] = {"agreement": round(sum(x == y for x, y in zip(g, o, strict=True)) / len(keys), 4),
                                     "kappa": round(kappa(g, o), 4)}
            out["oracle_vs_coder_b"] = {"agreement": round(sum(x == y for x, y in zip(b, o, strict=True)) / len(keys), 4),
                                        "kappa": round(kappa(b, o), 4)}
            for d in out["disagreements"]:
                c, e = d["cell"].split("/")
                d["oracle"] = tool[c][e]["oracle"]
    return out
