"""The plan and the site application in Word (`--format docx`), laid out as their HTML
pages on output/word.py's GB/T 9704 page, from the same context.

The plan is an official document: the school in red above its 文号 and a red rule, the
title, 一、 headings, the school's paragraphs indented two characters, its tables
numbered, and the school and the plan's date to sign at the end. The site application is
seed 000's bordered form: every field, long fields line by line, each opinion box 42 mm
tall for a signature and a seal with its date right-aligned, the four notes under it,
and what the database knows of the certificate as an attachment on a page of its own.
In a dossier the chapter's heading stands for the title block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xcert.output import word, word_xml
from xcert.output.tables import Heading
from xcert.output.word_reports import Numbering, table_with_notes

if TYPE_CHECKING:
    from docx.document import Document

RED = "C00000"
FORM_SIZE = word.SIZE_5
# The form's six columns (mm): label, value, label, value (e-mail), label, value (phone),
# each as wide as its longest usual entry in 五号 (场地和设备情况, an 11-digit mobile, a
# 22-character e-mail address, 0758-2000001) with narrow cell margins; 156 mm in all,
# the type area.
FORM_WIDTHS = (28.5, 23.5, 17.5, 45.0, 14.0, 27.5)
CELL_MARGIN_MM = 1.0
ROW_MM = 8  # a one-line row, with room to write by hand
OPINION_MM = 42  # room for a signature and a school's seal
SIGN_LINE = "负责人签字：　　　　　　　　（单位盖章）"


def plan(doc: Document, context: dict, heading: Heading, numbers: Numbering) -> None:
    """The plan's title block, its sections with their parts, the school and date."""
    if not numbers.dossier:
        _issuer(doc, heading.school, context["number"])
        word.title(doc, context["title"])
    level = 2 if numbers.dossier else 1  # in a dossier the plan is a chapter: 一、 is its
    for section in context["sections"]:
        word.heading(doc, f"{section.number}、{section.title}", level=level)
        for block in section.blocks:
            if not block.heading:
                word.paragraph(doc, block.text)
            elif level == 1:
                word.heading(doc, block.text, level=2)
            else:  # no third level of heading on the page: a line in bold
                word.paragraph(doc, block.text).runs[0].font.bold = True
        for part in section.parts:
            if part.text:
                word.paragraph(doc, part.text)
            if part.table is not None:  # a section xcert adds is titled as its table
                table_with_notes(doc, part.table, numbers, skip_caption=not section.own)
            if part.note:
                word.note(doc, part.note)
    for warning in context.get("warnings", []):
        word.note(doc, f"注：{warning}")
    word.paragraph(doc, "", indent=False)  # a line's room above the signature
    for text in (heading.school, context["signed_on"]):
        _right(word.paragraph(doc, text, indent=False, align="right"))


def _issuer(doc: Document, school: str, number: str) -> None:
    """The school in red, the document number under it, then a red rule."""
    from docx.shared import RGBColor

    issuer = word.paragraph(doc, school, indent=False, align="center")
    for run in issuer.runs:
        word.set_font(run, word.TITLE_FONT, 26)
        run.font.color.rgb = RGBColor.from_string(RED)
    if number:
        word.paragraph(doc, number, indent=False, align="center")
    _rule(word.paragraph(doc, "", indent=False))


def _rule(paragraph: Any) -> None:
    """A red line under a paragraph (the rule under a document's number)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "1"), ("color", RED)):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    properties = paragraph._p.get_or_add_pPr()
    properties.append(border)
    word_xml.put_in_order(properties)


def _right(paragraph: Any) -> None:
    """Right-aligned two characters in from the edge, as a signature line is."""
    from docx.shared import Pt

    paragraph.paragraph_format.right_indent = Pt(word.SIZE_3 * 2)


def site_application(doc: Document, context: dict, heading: Heading, numbers: Numbering) -> None:
    """The form, its notes and attachments; the database's figures after a page break."""
    site = context["site"]
    if not numbers.dossier:
        if site["label"]:
            label = word.paragraph(doc, site["label"], indent=False, align="left")
            for run in label.runs:
                word.set_font(run, word.HEADING_FONT, word.SIZE_3)
        word.title(doc, f"{site['certificate']}\n“1+X”考点申报表")
    rows = _form_rows(context)
    _form(doc, rows, merged_down=[(len(rows) - 4, 0)])  # 场地和设备情况 over its two rows
    _lines(doc, "注：", context["notes"])
    if site["attachments"]:
        _lines(doc, "附件：", site["attachments"])
    appendix = context["appendix"]
    if appendix is not None:
        word.page_break(doc)
        word.paragraph(doc, appendix.title, indent=False, align="center")
        if appendix.registered:
            word.paragraph(doc, f"截至{appendix.as_of}，已报名待考{appendix.registered}人。")
        table_with_notes(doc, appendix.table, numbers, skip_caption=True)


# A form's row: its cells as (text, columns spanned, kind), kind one of "label", "value",
# "section" (a contact's heading across the form) and "box" (an opinion to sign).
Row = list[tuple[str, int, str]]


def _form_rows(context: dict) -> list[Row]:
    """The form's rows in the seed's order, as the HTML form draws them."""
    site, school = context["site"], context["school_info"]

    def box(checked: bool) -> str:
        return "☑" if checked else "☐"

    pilot = f"{box(school.get('pilot'))} 是　{box(not school.get('pilot'))} 否"
    types = "　".join(f"{box(site['type'] == t)} {t}" for t in context["site_types"])
    levels = "　".join(f"{box(lv in site['levels'])} {lv}" for lv in context["all_levels"])
    rows: list[Row] = [
        [("单位名称", 1, "label"), (school.get("name", ""), 5, "value")],
        [
            ("地址", 1, "label"),
            (school.get("address", ""), 3, "value"),
            ("是否试点院校", 1, "label"),
            (pilot, 1, "value"),
        ],
        [("联合单位", 1, "label"), (site["partners"], 5, "value")],
        [("申报类型", 1, "label"), (types, 5, "value")],
        [("申报考核等级", 1, "label"), (levels, 5, "value")],
        [
            ("预考核规模", 1, "label"),
            ("每天最大考核量", 1, "label"),
            (f"{site['max_per_day']}人", 1, "value"),
            ("预计考核人数", 1, "label"),
            (f"{site['expected']}人", 2, "value"),
        ],
    ]
    for key, title in context["contacts"]:
        c = site[key]
        rows.append([(title, 6, "section")])
        for labels in (
            (("姓名", "name"), ("职务", "title"), ("电话", "phone")),
            (("手机", "mobile"), ("电子邮箱", "email"), ("微信号", "wechat")),
        ):
            rows.append(
                [
                    cell
                    for label, k in labels
                    for cell in ((label, 1, "label"), (c.get(k, ""), 1, "value"))
                ]
            )
    rows += [
        [("单位简介", 1, "label"), (school.get("introduction", ""), 5, "value")],
        [("场地和设备情况", 1, "label"), ("场地情况", 1, "label"), (site["rooms"], 4, "value")],
        [("", 1, "label"), ("其他情况", 1, "label"), (site["other"], 4, "value")],
        [("申请单位意见", 1, "label"), (context["signed_on"], 5, "box")],
        [("培训评价组织审批意见", 1, "label"), (context["approved_on"], 5, "box")],
    ]
    return rows


def _form(doc: Document, rows: Sequence[Row], *, merged_down: Sequence[tuple[int, int]]) -> None:
    """A bordered six-column grid of `rows`, each cell spanning its columns; the cells of
    `merged_down` (row, column) merged with the one below (场地和设备情况)."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Mm

    grid = word.bordered_table(doc, len(rows), len(FORM_WIDTHS))
    grid.autofit = False
    _cell_margins(grid)
    for index, width in enumerate(FORM_WIDTHS):
        grid.columns[index].width = Mm(width)
    for tr in grid._tbl.tr_lst:  # each cell of the grid, row by row (not yet merged)
        for tc, width in zip(tr.tc_lst, FORM_WIDTHS, strict=True):
            tc.width = Mm(width)
    # each row's own cells, not grid.cell(), which lists every cell of the table
    for line, row in zip(grid.rows, rows, strict=True):
        line.height = Mm(ROW_MM)
        line.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        column = 0
        for text, span, kind in row:
            cell = line.cells[column]
            if span > 1:
                cell = cell.merge(line.cells[column + span - 1])
            _write_cell(cell, text, kind, span)
            column += span
        if row[-1][2] == "box":
            line.height = Mm(OPINION_MM)
            line.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            word.keep_row_together(line)
    for r, c in merged_down:
        grid.cell(r, c).merge(grid.cell(r + 1, c))


def _cell_margins(grid: Any) -> None:
    """Narrow left and right cell margins: a form's short fields stay on one line."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(CELL_MARGIN_MM * 56.7)))  # twentieths of a point
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    grid._tbl.tblPr.append(margins)
    word_xml.put_in_order(grid._tbl.tblPr)


def _write_cell(cell: Any, text: str, kind: str, span: int = 1) -> None:
    """A label centred in 黑体; a value as written, each of its lines a paragraph, from
    the left when it spans the form; a contact's heading to the left; an opinion box's
    signature line and date at its foot, right-aligned."""
    from docx.enum.table import WD_ALIGN_VERTICAL
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING

    lines = [SIGN_LINE, text] if kind == "box" else (text.splitlines() or [""])
    cell.vertical_alignment = (
        WD_ALIGN_VERTICAL.BOTTOM if kind == "box" else WD_ALIGN_VERTICAL.CENTER
    )
    if kind == "label":
        align = WD_ALIGN_PARAGRAPH.CENTER
    elif kind == "box":
        align = WD_ALIGN_PARAGRAPH.RIGHT
    else:  # a field across the form reads from the left, a short one is centred
        align = WD_ALIGN_PARAGRAPH.LEFT if span > 1 else WD_ALIGN_PARAGRAPH.CENTER
    para = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            para = cell.add_paragraph()
        para.alignment = align
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.first_line_indent = 0
        if kind == "box":
            _right(para)
        fonts = word.HEADING_FONT if kind in ("label", "section") else word.BODY_FONT
        word.set_font(para.add_run(line), fonts, FORM_SIZE)


def _lines(doc: Document, lead: str, items: Sequence[str]) -> None:
    """Numbered lines under the form (注：1. … 2. …), the later ones aligned under the first."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    for number, item in enumerate(items, 1):
        para = doc.add_paragraph()
        word.set_font(
            para.add_run(f"{lead if number == 1 else ''}{number}. {item}"),
            word.BODY_FONT,
            word.SIZE_4,
        )
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.space_after = Pt(2)
        para.paragraph_format.space_before = Pt(6 if number == 1 else 0)
        if number > 1:
            para.paragraph_format.left_indent = Pt(word.SIZE_4 * len(lead))
