"""How xcert writes for a clerk: a number and its Chinese unit together, as school
documents do (2023年, 2023届, 13人, 第3行). Read from the source with `ast`: every string
and f-string (`{…}` standing for a value), and the report templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = "年届人名个条本张行次场位台天种项处份元"
# a number or a value, a space, a unit; or 第, a space, a number or a value
SPACED = re.compile(rf"(?:[0-9]|\{{\}})[ \u3000]+[{UNITS}]|第[ \u3000]+(?:[0-9]|\{{\}})")


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant and f-string of a module, f-string values as {}."""
    inside_f: set[int] = set()
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_f.add(id(value))
                is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
                parts.append(value.value if is_text else "{}")
            out.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in inside_f:
            out.append((node.lineno, node.value))
    return out


def test_numbers_and_their_units_are_written_together():
    found = []
    for path in sorted((ROOT / "src" / "xcert").rglob("*.py")):
        for line, text in _texts(ast.parse(path.read_text(encoding="utf-8"))):
            if SPACED.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    for path in sorted((ROOT / "templates").iterdir()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SPACED.search(re.sub(r"\{\{.*?\}\}", "{}", line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "write 2023年, 13人, 第3行 (no space between a number and its unit):\n" + (
        "\n".join(found)
    )
