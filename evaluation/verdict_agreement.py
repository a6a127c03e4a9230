"""How far two readers agree on the case verdicts: the reference for the verdict bar.

`python evaluation/verdict_agreement.py` compares annotations/verdicts_coder_b.toml (a second coder's
verdicts, written from the case documents and the codebook's definitions, blind to
annotations/verdicts.toml and to every model output) with the gold verdicts, and sets the tool's
leave-one-case-out verdicts (evaluation/results.json, written by `sistercity evaluate`) beside both.
Writes evaluation/verdict_agreement.md and .json.

Figures: raw agreement over the 30 case-element cells, Cohen's kappa (chance-corrected, nominal), and
the agreement when a cell counts as agreed if the gold value is either of coder B's two values for the
cells B marked as genuinely hard (`<element>_alt`), which shows how much of the disagreement sits on
cells a careful reader finds two-sided.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from pipeline.quality.verdict_agreement import compare  # noqa: E402


def load(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def markdown(r: dict, tool_date: str | None) -> str:
    cb = r["coder_b_vs_gold"]
    lines = ["# Verdict agreement between two readers", "",
             "Written by `python evaluation/verdict_agreement.py`; do not edit by hand. Gold: annotations/verdicts.toml. "
             "Coder B: annotations/verdicts_coder_b.toml, a second coding of the 30 case-element cells from the case "
             "documents (corpora/sources) and the codebook's verdict and element definitions, blind to the gold and to "
             "every model output.", "",
             "| pair | agreement | Cohen's kappa |", "|---|---|---|",
             f"| coder B vs gold | {cb['agreement']:.3f} | {cb['kappa']:.3f} |"]
    if "tool_vs_gold" in r:
        lines += [f"| tool (leave-one-case-out) vs gold | {r['tool_vs_gold']['agreement']:.3f} | {r['tool_vs_gold']['kappa']:.3f} |",
                  f"| tool (leave-one-case-out) vs coder B | {r['tool_vs_coder_b']['agreement']:.3f} | "
                  f"{r['tool_vs_coder_b']['kappa']:.3f} |"]
    if "oracle_vs_gold" in r:
        lines += [f"| aggregator on gold passage labels (oracle) vs gold | {r['oracle_vs_gold']['agreement']:.3f} | "
                  f"{r['oracle_vs_gold']['kappa']:.3f} |",
                  f"| aggregator on gold passage labels (oracle) vs coder B | {r['oracle_vs_coder_b']['agreement']:.3f} | "
                  f"{r['oracle_vs_coder_b']['kappa']:.3f} |"]
    lines += ["", f"- Coder B vs gold, counting a cell as agreed when the gold is one of the two values B found defensible "
              f"on a cell B marked hard ({len(r['hard_cells'])} cells): {cb['agreement_counting_alternatives']:.3f}."]
    if "tool_agrees_with_either" in r:
        lines.append(f"- The tool agrees with the gold or with coder B on {r['tool_agrees_with_either']:.3f} of the cells "
                     f"(tool verdicts from evaluation/results.json, {tool_date}).")
    lines += ["- Per element, coder B vs gold: " + ", ".join(f"{k} {v:.2f}" for k, v in r["per_element"].items()) + ".",
              "", "## Cells where coder B and the gold differ", "",
              "| cell | gold | coder B (alternative) | tool | oracle | coder B's reasons |", "|---|---|---|---|---|---|"]
    for d in r["disagreements"]:
        alt = f" ({d['coder_b_alt']})" if d["coder_b_alt"] else ""
        lines.append(f"| {d['cell']} | {d['gold']} | {d['coder_b']}{alt} | {d.get('tool', '')} | {d.get('oracle', '')} | "
                     f"{d['why'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    gold = load(ROOT / "annotations" / "verdicts.toml")
    coder_b = load(ROOT / "annotations" / "verdicts_coder_b.toml")
    results = ROOT / "evaluation" / "results.json"
    tool, tool_date = None, None
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
        tool, tool_date = data.get("verdicts", {}).get("per_case"), data.get("date")
    r = compare(gold, coder_b, tool)
    (ROOT / "evaluation" / "verdict_agreement.json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    (ROOT / "evaluation" / "verdict_agreement.md").write_text(markdown(r, tool_date), encoding="utf-8")
    print(json.dumps({k: r[k] for k in r if k not in {"disagreements", "per_element"}}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
