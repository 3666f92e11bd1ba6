"""The dossier (汇编): the reports a school files together, as one document with a
cover, a table of contents and each report a chapter, its tables numbered 表 1, 表 2…
across the whole document and named by number at the start of their chapter, as seed
000 files table 1, table 2, the site application, the plan and the sign-off list.

Which reports: `--reports a,b,…` in that order, each of which must be possible; without
it every report the options given allow (sign-list needs a class, major or department,
plan and self-assessment a year), and a report of that default set that has nothing to
show (no site profile, no plan of the year) is left out with a note, never a blank
chapter. `--year` is the year of the chapters that need one (the plan); the tables cover
the span asked for (`--from`, `--to`), every year by default.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xcert.errors import XcertError
from xcert.output import word, word_reports
from xcert.output.sandbox import heading, render_template
from xcert.output.tables import Heading, chinese_number
from xcert.output.word_reports import Numbering, WordFile

if TYPE_CHECKING:
    from docx.document import Document

NAME = "dossier"
FORMATS = ("html", "docx")


@dataclass
class Chapter:
    """One report of the dossier: its number (一, 二…), title and context."""

    number: str
    name: str
    title: str
    context: dict
    writer: word_reports.Writer  # how its report is written in Word
    html: str = ""
    tables: list[str] = field(default_factory=list)  # 表 3, 表 4: what the chapter holds

    @property
    def refs(self) -> str:
        return "、".join(self.tables)


@dataclass(frozen=True)
class Dossier:
    title: str
    heading: Heading  # the school and date on the cover
    chapters: list[Chapter]
    left_out: list[str]


def parse_reports(text: str | None, known: Sequence[str]) -> tuple[str, ...] | None:
    """`--reports pass-rates,plan` as names in order, each known and given once."""
    if text is None:
        return None
    names = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    wrong = [name for name in names if name not in known]
    if wrong or not names:
        raise XcertError(
            f"--reports「{text}」里有不认识的报表：{'、'.join(wrong) or '（空）'}；"
            f"可用：{'、'.join(known)}"
        )
    return tuple(dict.fromkeys(names))


def build(
    conn: sqlite3.Connection,
    wanted: tuple[str, ...] | None,
    default: Sequence[str],
    context_of: Callable[[str], dict],
    writers: Mapping[str, word_reports.Writer],
    *,
    date: dt.date | None,
    whose: str = "",
) -> Dossier:
    """Each chapter's context; a default chapter with nothing to show is left out. The
    title names `whose` dossier it is (a province's, one of its schools), else the school."""
    chapters: list[Chapter] = []
    left_out = []
    for name in wanted or default:
        try:
            context = context_of(name)
        except XcertError as exc:
            if wanted is not None:
                raise XcertError(f"汇编的「{name}」一章：{exc.reason}") from None
            left_out.append(f"{name}（{exc.reason}）")
            continue
        number = chinese_number(len(chapters) + 1)
        chapters.append(Chapter(number, name, str(context["title"]), context, writers[name]))
    if not chapters:
        raise XcertError("汇编里没有一章可写：" + "；".join(left_out))
    who = heading(conn, date)
    return Dossier(f"{whose or who.school}1+X证书制度试点工作材料汇编", who, chapters, left_out)


def html(
    conn: sqlite3.Connection,
    dossier: Dossier,
    *,
    templates: Path | None,
    date: dt.date | None,
    style: str = "plain",
) -> str:
    """Each chapter is the body of its report's own page, then one page holds them, in
    the chapters' `style`."""
    numbers = Numbering(dossier=True)
    for index, chapter in enumerate(dossier.chapters, 1):
        before = numbers.tables
        # the body of the report's own page (base.html prints no page around a chapter)
        context = dict(chapter.context, numbers=numbers, id_prefix=f"c{index}-", chapter=True)
        chapter.html = render_template(
            conn, f"{chapter.name}.html", context, templates=templates, date=date
        )
        chapter.tables = [f"表 {n}" for n in range(before + 1, numbers.tables + 1)]
    context = {
        "title": dossier.title,
        "dossier": dossier,
        "chapters": dossier.chapters,
        "tables": [],
        "charts": [],
        "warnings": [f"未收入：{item}" for item in dossier.left_out],
        "style": style,
    }
    return render_template(conn, f"{NAME}.html", context, templates=templates, date=date)


def docx(dossier: Dossier, *, templates: Path | None) -> WordFile:
    """Cover, contents, then each chapter from a new page, written as its report is; the
    contents and each chapter's first line name the tables once they are numbered."""
    doc = word.document(templates)
    doc.sections[0].different_first_page_header_footer = True  # a cover has no number
    _cover(doc, dossier)
    word.title(doc, "目　录")
    contents = [word.paragraph(doc, "", indent=False) for _ in dossier.chapters]
    numbers = Numbering(dossier=True)
    for chapter, line in zip(dossier.chapters, contents, strict=True):
        word.page_break(doc)
        word.heading(doc, f"{chapter.number}、{chapter.title}")
        intro = word.paragraph(doc, "")
        before = numbers.tables
        chapter.writer(doc, chapter.context, dossier.heading, numbers)
        chapter.tables = [f"表 {n}" for n in range(before + 1, numbers.tables + 1)]
        line.add_run(f"{chapter.number}、{chapter.title}")
        if chapter.tables:
            line.add_run(f"（{chapter.refs}）")
            intro.add_run(f"本章数据见{chapter.refs}。")
        else:
            intro._p.getparent().remove(intro._p)
    for item in dossier.left_out:
        word.note(doc, f"注：未收入 {item}")
    return WordFile(doc)


def _cover(doc: Document, dossier: Dossier) -> None:
    for _ in range(4):
        word.paragraph(doc, "", indent=False)
    word.title(doc, dossier.title)
    for _ in range(6):
        word.paragraph(doc, "", indent=False)
    word.paragraph(doc, dossier.heading.school, indent=False, align="center")
    word.paragraph(doc, dossier.heading.date, indent=False, align="center")
    word.page_break(doc)
