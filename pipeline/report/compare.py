"""Cross-case comparison: the cases x elements matrix, obstacle frequencies per case, and the
patterns shared across cases (obstacles most stalled cases share, elements that fail together)."""

from __future__ import annotations

from itertools import combinations

from pipeline.data import ELEMENTS, OBSTACLE_CODES, Verdict

MIN_OBSTACLE_PASSAGES = 2  # an obstacle "is present" in a case when at least this many passages show it


def is_stalled(by_el: dict[str, Verdict]) -> bool:
    """Commitment not fulfilled, outcomes not (or only partly) fulfilled, or two elements not fulfilled."""
    status = {el: v.status for el, v in by_el.items()}
    return (status.get("commitment") == "not_fulfilled"
            or status.get("outcomes") in {"not_fulfilled", "partial"}
            or sum(s == "not_fulfilled" for s in status.values()) >= 2)


def obstacle_frequencies(by_el: dict[str, Verdict]) -> dict[str, int]:
    """Per obstacle code, the number of distinct passages of the case showing it (over all elements)."""
    seen: dict[str, set[tuple[str, int]]] = {}
    for v in by_el.values():
        for ob in v.obstacles:
            seen.setdefault(ob.code, set()).update((e.doc, e.start) for e in ob.evidence)
    order = {c: i for i, c in enumerate(OBSTACLE_CODES)}
    return dict(sorted(((c, len(s)) for c, s in seen.items()), key=lambda kv: (-kv[1], order.get(kv[0], 99))))


def matrix_cell(v: Verdict) -> dict:
    return {"status": v.status, "score": v.score, "evidence": len(v.evidence),
            "positive": sum(e.stance == "positive" for e in v.evidence),
            "obstacle": sum(e.stance == "obstacle" for e in v.evidence),
            "documents": len({e.doc for e in v.evidence})}


def discriminating_obstacles(freqs: dict[str, dict[str, int]], stalled: list[str], others: list[str],
                             present: dict[str, set[str]]) -> list[dict]:
    """Obstacles over-represented in stalled cases compared with the others, with the counts behind it:
    in how many cases of each group the obstacle is present, its passages in each group and their share
    of the group's obstacle passages. An obstacle every case shares does not tell stalled from working
    cooperation and is left out unless its share of the obstacle evidence differs."""
    if not stalled or not others:
        return []
    totals = {g: sum(sum(freqs[c].values()) for c in cases) for g, cases in (("s", stalled), ("w", others))}
    out = []
    for code in OBSTACLE_CODES:
        in_s = [c for c in stalled if code in present[c]]
        in_w = [c for c in others if code in present[c]]
        n_s = sum(freqs[c].get(code, 0) for c in stalled)
        n_w = sum(freqs[c].get(code, 0) for c in others)
        share_s = n_s / totals["s"] if totals["s"] else 0.0
        share_w = n_w / totals["w"] if totals["w"] else 0.0
        rate_s, rate_w = len(in_s) / len(stalled), len(in_w) / len(others)
        if in_s and (rate_s > rate_w or share_s >= 1.5 * share_w) and share_s > share_w:
            out.append({"code": code, "stalled_cases": in_s, "working_cases": in_w,
                        "stalled_passages": n_s, "working_passages": n_w,
                        "stalled_share": round(share_s, 3), "working_share": round(share_w, 3),
                        "ratio": round(share_s / share_w, 2) if share_w else None})
    out.sort(key=lambda d: (-(len(d["stalled_cases"]) / len(stalled) - len(d["working_cases"]) / len(others)),
                            -(d["ratio"] or 1e9), d["code"]))
    return out


def compare(verdicts: dict[str, dict[str, Verdict]], min_obstacle_passages: int = MIN_OBSTACLE_PASSAGES) -> dict:
    cases = sorted(verdicts)
    matrix = {c: {el: matrix_cell(verdicts[c][el]) for el in ELEMENTS if el in verdicts[c]} for c in cases}
    freqs = {c: obstacle_frequencies(verdicts[c]) for c in cases}
    stalled = [c for c in cases if is_stalled(verdicts[c])]
    others = [c for c in cases if c not in stalled]
    present = {c: {code for code, n in freqs[c].items() if n >= min_obstacle_passages} for c in cases}
    shared = []
    if len(stalled) >= 2:
        for code in OBSTACLE_CODES:
            hit = [c for c in stalled if code in present[c]]
            if len(hit) * 2 > len(stalled):
                shared.append({"code": code, "cases": hit, "share": round(len(hit) / len(stalled), 3),
                               "in_other_cases": [c for c in others if code in present[c]]})
        shared.sort(key=lambda s: (-s["share"], -len(s["cases"]), s["code"]))
    discriminating = discriminating_obstacles(freqs, stalled, others, present)
    failing = {c: {el for el, cell in matrix[c].items() if cell["status"] == "not_fulfilled"} for c in cases}
    co_failing = []
    for a, b in combinations(ELEMENTS, 2):
        both = [c for c in cases if {a, b} <= failing[c]]
        if len(both) >= 2:
            co_failing.append({"elements": [a, b], "cases": both})
    co_failing.sort(key=lambda p: (-len(p["cases"]), ELEMENTS.index(p["elements"][0]), ELEMENTS.index(p["elements"][1])))
    return {"cases": cases, "matrix": matrix, "obstacles": freqs, "stalled": stalled,
            "shared_obstacles": shared, "co_failing": co_failing, "discriminating_obstacles": discriminating,
            "definitions": {"stalled": "commitment not_fulfilled, or outcomes not_fulfilled/partial, "
                                       "or at least two elements not_fulfilled",
                            "obstacle_present": f"at least {min_obstacle_passages} passages of the case show it",
                            "shared": "present in more than half of the stalled cases (needs two stalled cases)",
                            "co_failing": "both elements not_fulfilled in at least two cases",
                            "discriminating": "present in a larger share of the stalled cases than of the others, or "
                                              "taking at least 1.5 times the share of obstacle passages in stalled "
                                              "cases that it takes in the others (needs both kinds of case)"}}
