"""A school's own text in a document (a plan's 必要性, 保障机制…): paragraphs as the
clerk wrote them, for Markdown, HTML and Word alike.

Chinese documents write one paragraph a line, and number their items in the text
(`1. 制度保障`, `（一）总体绩效目标：`): so every line is a paragraph, printed as written,
its numbers kept (never turned into a list that renumbers or indents them); a line of
Markdown's `# …` is a sub-heading. The indent a clerk types (spaces, 　　) is dropped:
the document indents every paragraph alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xcert.output.tables import md_cell

_HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?$")
# what would start a list, a heading or a code block in Markdown, at a line's start
_MD_START = re.compile(r"^(\d{1,9})([.)])(\s)|^([-+#=])")


@dataclass(frozen=True)
class Block:
    """One paragraph, or a sub-heading of a section."""

    text: str
    heading: bool = False

    @property
    def markdown(self) -> str:
        """The block as Markdown, its text shown as written (nothing in it formats)."""
        if self.heading:
            return f"### {md_cell(self.text)}"
        return _MD_START.sub(_escape_start, md_cell(self.text))


def _escape_start(found: re.Match[str]) -> str:
    if found[4]:
        return "\\" + found[4]
    return f"{found[1]}\\{found[2]}{found[3]}"


def blocks(text: str) -> list[Block]:
    """The paragraphs and sub-headings of a text, blank lines skipped."""
    out = []
    for line in text.splitlines():
        line = line.strip(" \t\u3000")
        if not line:
            continue
        heading = _HEADING.match(line)
        out.append(Block(heading[1], heading=True) if heading else Block(line))
    return out
