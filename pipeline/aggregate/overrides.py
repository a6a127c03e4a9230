"""Reviewers' verdict overrides, applied after aggregation.

An override replaces the status of one (case, element) verdict; the verdict keeps the
aggregator's evidence and score, and `verdict.override` records the reviewer, the reason,
the time and the status it replaced, so every report can show it as an override.
"""

from __future__ import annotations

import logging

from pipeline.data import Verdict

log = logging.getLogger(__name__)


def apply_overrides(verdicts: dict[str, dict[str, Verdict]], overrides: list[dict]) -> list[dict]:
    """Apply overrides ({case, element, status, reason, reviewer, at}) in place. Returns those whose
    case or element has no verdict (they are kept in the store, not applied)."""
    unused = []
    for o in overrides:
        v = verdicts.get(o["case"], {}).get(o["element"])
        if v is None:
            unused.append(o)
            continue
        v.override = {"status": o["status"], "replaced_status": v.status, "reviewer": o["reviewer"],
                      "reason": o["reason"], "at": o["at"]}
        v.status = o["status"]
    if unused:
        log.info("%d verdict overrides name a case not aggregated in this run", len(unused))
    return unused

