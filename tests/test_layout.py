"""The package's shape (CONTRIBUTING.md, Layout): folders along the data flow, arrows one way,
no import cycles, one job per file. Read from the source with `ast`, nothing imported."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "xcert"

# What each layer may import, besides itself and the vocabulary (model, errors, clock,
# privacy, resources). Lowest first: a layer never imports one below it in this list.
LAYERS: dict[str, set[str]] = {
    "clean": set(),
    "read": {"clean"},
    "store": set(),
    "office": {"clean", "read", "store"},
    "ingest": {"clean", "read", "store", "office"},
    "figures": {"store"},
    "output": {"clean", "read", "store", "office", "figures", "ingest"},
    "cli": {"clean", "read", "store", "office", "ingest", "figures", "output"},
    "__main__": {"cli"},
}
VOCABULARY = {"model", "errors", "clock", "privacy", "outfiles", "resources", "__init__"}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported xcert module, dotted
    line: int
    in_function: bool


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(name: str) -> str:
    """`xcert.store.writes` as a module if it is one, else its package."""
    path = SRC.joinpath(*name.split("."))
    return name if path.with_suffix(".py").exists() or path.is_dir() else name.rsplit(".", 1)[0]


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _in_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return True
    return False


@functools.cache  # three tests read the same imports: parsed once
def _imports() -> tuple[Import, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        module = _module_name(path)
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == "xcert"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xcert"):
                base = node.module or ""
                targets = [_resolve(f"{base}.{a.name}") for a in node.names]
            hidden = _in_function(node, parents)
            found += [
                Import(module, _resolve(t), node.lineno, hidden) for t in targets if t != module
            ]
    return tuple(found)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycles():
    graph: dict[str, set[str]] = {}
    for imp in _imports():
        graph.setdefault(imp.module, set()).add(imp.target)
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == [], "\n".join(cycles)


def test_every_arrow_points_down_the_layers():
    wrong = []
    for imp in _imports():
        source, target = _layer(imp.module), _layer(imp.target)
        if source in VOCABULARY or source == target or target in VOCABULARY:
            if source in VOCABULARY and target not in VOCABULARY and imp.module != "xcert.privacy":
                wrong.append(f"{imp.module}:{imp.line} → {imp.target}")
            continue
        if target not in LAYERS.get(source, set()):
            wrong.append(f"{imp.module}:{imp.line} → {imp.target}")
    assert wrong == [], "\n".join(wrong)


def test_modules_of_xcert_are_imported_at_the_top_below_the_command_line():
    """Inside a function only in cli/: a command loads the layers it needs when it runs,
    which keeps `xcert --help` fast; below it nothing needs hiding (heavy third-party
    libraries are imported inside the functions that use them)."""
    hidden = [
        f"{imp.module}:{imp.line} → {imp.target}"
        for imp in _imports()
        if imp.in_function and _layer(imp.module) != "cli"
    ]
    assert hidden == [], "\n".join(hidden)


def test_no_module_over_500_lines_and_no_function_over_60():
    long_modules, long_functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(SRC)} ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.name[:1] == "m" and node.name[1:4].isdigit():
                continue  # a shipped migration is one SQL script, never edited (store/schema)
            # from the body on: a command's options are declarations, not steps
            length = (node.end_lineno or node.lineno) - node.body[0].lineno + 1
            if length > MAX_FUNCTION_LINES:
                long_functions.append(f"{path.relative_to(SRC)}: {node.name} ({length} lines)")
    assert long_modules == [], "\n".join(long_modules)
    assert long_functions == [], "\n".join(long_functions)
