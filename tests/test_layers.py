"""The package's layers, and imports pointing only down them (README "Layout").

Each top-level module or subpackage of `pipeline/` is one layer; a module may import its own layer and
the layers listed before it, never one after it, at module level or inside a function. A function-level
import is for a heavy or optional third-party package (stanza, torch, pytesseract, fastapi...), or for a
lower layer loaded only when needed; it never dodges a cycle, because no upward import is allowed at all.
Within a layer, the modules' imports form no cycle either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"

# Bottom to top. Layers on one line share a rank and must not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("pipeline",),  # pipeline/__init__.py: the version only
    ("paths",),  # where the repository's folders are
    ("data",),  # the records that flow (Document, Passage, Entity, Verdict, Case)
    ("children",),  # child processes die with their parent
    ("lean",),  # libraries the stages never use, kept out of the processes that load the models
    ("ingest",),
    ("nlp",),
    ("classify",),
    ("aggregate",),  # decision rules
    ("report",),  # pure renderers
    ("config",),  # one Settings, read from the environment at the entry points only
    ("stages",),  # the pure per-document path
    ("store",),  # the only place that knows the tables
    ("review",),  # review logic over the store
    ("runs",),  # store-backed use cases
    ("quality",),  # measurements, experiments' helpers, training harnesses
    ("exchange",),  # round trips with other tools
    ("web",),  # the FastAPI app
    ("prefect_server",),
    ("flows",),  # Prefect wiring only
    ("cli",),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def pipeline_imports(path: Path, root: Path = PACKAGE) -> list[tuple[str, int, bool]]:
    """(imported pipeline module, line, inside a function) for every import of `pipeline` in a file."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names if a.name.split(".")[0] == "pipeline")
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] == "pipeline":
                    # `from pipeline import x` imports the module pipeline.x when there is one
                    names = [f"{target}.{a.name}" for a in child.names]
                    found.extend((n if _exists(n, root) else target, child.lineno, in_function) for n in names)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False)
    return found


def _exists(module: str, root: Path) -> bool:
    rel = Path(*module.split(".")[1:])
    return (root / rel).with_suffix(".py").exists() or (root / rel / "__init__.py").exists()


def package_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def upward_imports(files: list[Path], root: Path = PACKAGE) -> list[str]:
    bad = []
    for path in files:
        source = layer_of(module_name(path, root))
        for target, line, in_function in pipeline_imports(path, root):
            layer = layer_of(target)
            if layer == source:
                continue
            if layer not in RANK:
                bad.append(f"{path}:{line}: imports {target}, whose layer {layer!r} is not in LAYERS")
            elif RANK[layer] >= RANK[source]:
                where = "inside a function" if in_function else "at module level"
                bad.append(f"{path}:{line}: {source} imports {target} {where}: {layer} is not below {source}")
    return bad


def test_every_layer_is_listed():
    layers = {layer_of(module_name(p)) for p in package_files()}
    assert layers <= set(RANK), f"add these to LAYERS in {__file__}: {sorted(layers - set(RANK))}"


def test_imports_only_point_down_the_layers():
    assert upward_imports(package_files()) == []


def test_no_import_cycle_within_a_layer():
    graph: dict[str, set[str]] = {}
    for path in package_files():
        module = module_name(path)
        graph[module] = {t for t, _, _ in pipeline_imports(path) if layer_of(t) == layer_of(module) and t != module}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt):], nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt in graph and not state.get(nxt):
                walk(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if not state.get(module):
            walk(module, [module])
    assert cycles == []


@pytest.mark.parametrize(("source", "line"), [
    ("data.py", "from pipeline.stages import run_document\n"),
    ("report/html.py", "def f():\n    from pipeline.runs.report import report_from_store\n"),
    ("stages.py", "def f():\n    import pipeline.store.db\n"),
])
def test_an_upward_import_fails_the_check(tmp_path, source, line):
    path = PACKAGE / source
    assert upward_imports([path]) == []
    added = tmp_path / "pipeline" / source
    added.parent.mkdir(parents=True)
    added.write_text(path.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    assert len(upward_imports([added], tmp_path / "pipeline")) == 1
