"""A report's context as a Word document (SPEC 5.3, `--format docx`).

The same context the Jinja templates print, so the Word copy and the HTML copy carry
the same figures. Two ways a school makes it its own, like `--templates` for the
others: `NAME.docx` in its folder is a Word file with Jinja tags in it (docxtpl) that
gets the whole context; `base.docx` keeps xcert's content but the school's page,
styles, header and footer (word.document).

Tables are numbered 表 1, 表 2… across one document, as a filed report numbers them
(a dossier keeps counting across its chapters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xcert.errors import XcertError
from xcert.output import template_errors, word
from xcert.output.sandbox import environment
from xcert.output.tables import Heading, Table, chinese_number

if TYPE_CHECKING:
    from docx.document import Document


@dataclass(frozen=True)
class WordFile:
    """A rendered Word document, written by `save` as xcert's own file."""

    document: Any

    def save(self, path: Path) -> None:
        word.save(self.document, path)


@dataclass
class Numbering:
    """Tables counted across one document: 表 1, 表 2… In a dossier every table is
    captioned (its chapter names it by number) and a report's own title is its chapter's
    heading; a report alone of one table titled as the report needs no caption."""

    tables: int = 0
    dossier: bool = False

    def next_table(self) -> str:
        self.tables += 1
        return f"表 {self.tables}"


# How a report is written into a document: `tables_report`, or a form's own layout.
Writer = Callable[["Document", dict, Heading, Numbering], None]


def document(
    name: str,
    context: dict,
    heading: Heading,
    *,
    templates: Path | None = None,
    writer: Writer | None = None,
) -> WordFile:
    """The report as a Word file: the school's `NAME.docx` filled in, else `writer`'s
    layout (the tables by default) on the school's `base.docx` or a GB/T 9704 page."""
    own = templates / f"{name}.docx" if templates is not None else None
    if own is not None and own.is_file():
        return WordFile(_fill_template(own, context, heading))
    doc = word.document(templates)
    (writer or tables_report)(doc, context, heading, Numbering())
    return WordFile(doc)


def tables_report(doc: Document, context: dict, heading: Heading, numbers: Numbering) -> None:
    """Title, the school and date under it, each table numbered with its notes, then the
    report's warnings; the nightly summary's sections as headings."""
    report_title(doc, context["title"], heading, numbers)
    for line in context.get("paragraphs", []):  # a notice's opening, a sheet's facts
        word.paragraph(doc, str(line))
    for number, (section, tables, lines) in enumerate(_sections(context), 1):
        if section:
            word.heading(doc, f"{chinese_number(number)}、{section}")
        for table in tables:
            skip = table.title == context["title"]
            table_with_notes(doc, table, numbers, skip_caption=skip)
        for line in lines:
            word.paragraph(doc, line)
    for line in context.get("notes", []):  # the report's own: the rate's definition…
        word.note(doc, f"注：{line}")
    for line in context.get("closing", []):
        word.paragraph(doc, str(line))
    for warning in context.get("warnings", []):
        word.note(doc, f"注：{warning}")


def report_title(doc: Document, text: str, heading: Heading, numbers: Numbering) -> None:
    """The title and, under it, the school and date; in a dossier the chapter's heading
    stands for both."""
    if numbers.dossier:
        return
    word.title(doc, text)
    word.paragraph(doc, f"{heading.school}　　{heading.date}", indent=False, align="center")


def _sections(context: dict) -> list[tuple[str, list[Table], list[str]]]:
    """The summary's sections as they are; any other report one untitled section."""
    if "sections" in context:
        return [(str(h), list(t), [str(x) for x in lines]) for h, t, lines in context["sections"]]
    return [("", list(context.get("tables", [])), [])]


def table_with_notes(
    doc: Document,
    table: Table,
    numbers: Numbering,
    *,
    skip_caption: bool = False,
) -> None:
    """表 N and the title above the table, its notes (注：) under it."""
    if numbers.dossier or not skip_caption:
        word.caption(doc, f"{numbers.next_table()}　{table.title}")
    word.table(doc, table)
    for text in table.notes:
        word.note(doc, f"注：{text}")


def _fill_template(path: Path, context: dict, heading: Heading) -> Any:
    """A school's Word template with Jinja tags, filled in the same sandbox as the HTML
    templates (it can print the report's data, reach nothing behind it)."""
    from docxtpl import DocxTemplate

    # the Word XML is markup: every value escaped (a school named R&D <一> stays text)
    env = environment(path.parent).overlay(autoescape=True)
    try:
        template = DocxTemplate(str(path))
        template.render({**context, "school": heading.school, "date": heading.date}, env)
    except Exception as exc:  # a school's template with a mistake: one line naming it
        raise XcertError(template_errors.describe(path.name, exc, [path.parent])) from None
    return template
