"""Word documents laid out after GB/T 9704-2012 (党政机关公文格式), which school offices
follow when they file: A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right;
the title in 小标宋 2号 (22 pt), the body in 仿宋 3号 (16 pt) on a fixed 28 pt line;
headings 黑体 (一、) and 楷体 (（一）); tables with full borders in a smaller size;
page numbers "— 1 —" in 宋体 4号, odd pages on the right and even on the left.

Fonts are named as a Chinese Windows names them (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312),
each with the font Word and WPS fall back to when it is missing (仿宋, 宋体, 楷体) in the
document's font table; LibreOffice maps them to what it has (Noto CJK on Debian).

A school's own `base.docx` in `--templates DIR` replaces this layout: its page, styles,
header and footer are kept, and the report is written into its body.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xcert.errors import XcertError
from xcert.outfiles import CREATOR
from xcert.output import word_rows, word_xml
from xcert.output.tables import Table, cell_text
from xcert.output.word_widths import Measures, column_widths

if TYPE_CHECKING:
    from docx.document import Document

# (font, what Word and WPS use when it is not installed)
BODY_FONT = ("仿宋_GB2312", "仿宋")
TITLE_FONT = ("方正小标宋简体", "宋体")
HEADING_FONT = ("黑体", "SimHei")
SUBHEADING_FONT = ("楷体_GB2312", "楷体")
NUMBER_FONT = ("宋体", "SimSun")
LATIN_FONT = "Times New Roman"

# 号 in points
SIZE_2 = 22.0
SIZE_3 = 16.0
SIZE_4 = 14.0
SIZE_SMALL_4 = 12.0
SIZE_5 = 10.5
SIZE_SMALL_5 = 9.0
SIZE_6 = 7.5

MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINE_PT = 28.0  # 22 lines to a page of type area, as the standard sets


def document(templates: Path | None = None) -> Document:
    """An empty document: the school's `base.docx` if its template folder has one (its
    body emptied, its page kept), else a GB/T 9704 page."""
    from docx import Document as new_document

    base = templates / "base.docx" if templates is not None else None
    if base is not None and base.is_file():
        try:
            doc = new_document(str(base))
        except Exception:  # not a Word file: one line naming it
            raise XcertError(
                f"{base}：不是可用的 Word 文件（打不开，请用 Word 或 WPS 另存为 .docx）"
            ) from None
        _empty_body(doc)
        if not doc.sections:  # a body without its page: the standard's
            doc.element.body.get_or_add_sectPr()
            _page(doc)
        _styles(doc, only_missing=True)  # Word keeps only the styles a file uses
        return doc
    doc = new_document()
    _page(doc)
    _styles(doc)
    _page_numbers(doc)
    _font_fallbacks(doc)
    return doc


def _empty_body(doc: Document) -> None:
    body = doc.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)


def _page(doc: Document) -> None:
    from docx.shared import Mm

    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        section.footer_distance = Mm(28 - 7)  # the page number 7 mm below the type area
        section.header_distance = Mm(15)


def set_font(target: Any, fonts: tuple[str, str], size: float | None = None) -> None:
    """A style's or run's font: the Chinese name for East Asian text, Times New Roman
    for Latin letters and digits, as Word writes them."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    target.font.name = LATIN_FONT
    if size is not None:
        target.font.size = Pt(size)
    fonts_element = target.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        # Word prefers a theme's font (宋体 for Chinese) to the one named: drop it
        fonts_element.attrib.pop(qn(f"w:{theme}"), None)
    fonts_element.set(qn("w:eastAsia"), fonts[0])
    fonts_element.set(qn("w:hint"), "eastAsia")


def _styles(doc: Document, *, only_missing: bool = False) -> None:
    """Normal, Title, Heading 1 and 2 and Caption as the standard sets them; a school's
    own base.docx keeps those it has (`only_missing`)."""
    from docx.enum.style import WD_STYLE_TYPE

    for name, setup in (
        ("Normal", _normal),
        ("Title", _title),
        ("Heading 1", lambda s: _heading(s, HEADING_FONT)),
        ("Heading 2", lambda s: _heading(s, SUBHEADING_FONT)),
        ("Caption", _caption),
    ):
        try:
            style = doc.styles[name]
        except KeyError:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        else:
            if only_missing:
                continue
        setup(style)


def _normal(normal: Any) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    set_font(normal, BODY_FONT, SIZE_3)
    spacing = normal.paragraph_format
    spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    spacing.line_spacing = Pt(LINE_PT)
    spacing.space_before = spacing.space_after = Pt(0)
    spacing.widow_control = True


def _title(title: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    set_font(title, TITLE_FONT, SIZE_2)
    title.font.bold = False
    title.font.color.rgb = None
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(LINE_PT)
    _no_border(title)


def _heading(style: Any, fonts: tuple[str, str]) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    set_font(style, fonts, SIZE_3)
    style.font.bold = False
    style.font.color.rgb = None
    style.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
    style.paragraph_format.keep_with_next = True
    style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    style.paragraph_format.line_spacing = Pt(LINE_PT)


def _caption(caption: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    set_font(caption, HEADING_FONT, SIZE_4)
    caption.font.bold = False
    caption.font.color.rgb = None
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.space_after = Pt(3)


def _no_border(style: Any) -> None:
    """python-docx's Title has a blue rule under it; an official title has none."""
    p_pr = style.element.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pPr")
    if p_pr is None:
        return
    for child in list(p_pr):
        if child.tag.endswith("}pBdr"):
            p_pr.remove(child)


def _page_numbers(doc: Document) -> None:
    """— 1 — at the foot: odd pages on the right, even on the left, one character in
    from the edge of the type area."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        indent = Pt(SIZE_4)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        _field_run(paragraph, "— ", None)
        _field_run(paragraph, None, "PAGE")
        _field_run(paragraph, " —", None)


def _field_run(paragraph: Any, text: str | None, field: str | None) -> None:
    """Text, or a field Word computes (PAGE), in 宋体 4号."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if text is not None:
        set_font(paragraph.add_run(text), NUMBER_FONT, SIZE_4)
        return
    for kind in ("begin", "instr", "separate", "value", "end"):
        run = paragraph.add_run()
        set_font(run, NUMBER_FONT, SIZE_4)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {field} "
            run._r.append(instr)
        elif kind == "value":
            run.text = "1"
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _font_fallbacks(doc: Document) -> None:
    """Each font with the one Word and WPS use in its place (w:altName)."""
    from lxml import etree

    part = next(
        (p for p in doc.part.package.iter_parts() if p.partname.endswith("/fontTable.xml")),
        None,
    )
    if part is None:
        return
    namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    for name, fallback in (BODY_FONT, TITLE_FONT, SUBHEADING_FONT, HEADING_FONT, NUMBER_FONT):
        font = etree.SubElement(root, f"{{{namespace}}}font", {f"{{{namespace}}}name": name})
        etree.SubElement(font, f"{{{namespace}}}altName", {f"{{{namespace}}}val": fallback})
        etree.SubElement(font, f"{{{namespace}}}charset", {f"{{{namespace}}}val": "86"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def title(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="Title")


def heading(doc: Document, text: str, level: int = 1) -> None:
    doc.add_paragraph(text, style=f"Heading {level}")


def paragraph(doc: Document, text: str, *, indent: bool = True, align: str = "") -> Any:
    """Body text: each line of `text` a paragraph, indented two characters as official
    text is (unless `indent` is False)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    alignments = {
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }
    last = None
    for line in text.splitlines() or [""]:
        last = doc.add_paragraph(line)
        if indent:
            last.paragraph_format.first_line_indent = Pt(SIZE_3 * 2)
        last.alignment = alignments.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
    return last


def note(doc: Document, text: str) -> None:
    """A note under a table (注：…), in 仿宋 4号 on single spacing."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    para = doc.add_paragraph()
    set_font(para.add_run(text), BODY_FONT, SIZE_4)
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    para.paragraph_format.space_before = Pt(3)
    para.paragraph_format.space_after = Pt(3)


def caption(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="Caption")


def page_break(doc: Document) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def table(doc: Document, data: Table, *, size: float = SIZE_5) -> Any:
    """A bordered table: a bold header row repeated on every page, the rows as xcert
    formats them (each at least `data.row_height` mm: room to sign), equal cells of
    `data.merged` columns merged, rows never split."""
    header = list(data.header)
    if not header:  # nothing to print: Word rejects a row without a cell
        return None
    rows = [list(row) for row in data.rows] or [["—"] * len(header)]
    texts = [[cell_text(value) for value in values] for values in rows]
    measured = Measures(header, texts)
    total = _type_width(doc)
    sizes = [s for s in (size, SIZE_SMALL_5, SIZE_6) if s <= size]
    for size in sizes:  # noqa: B020 - smaller type before a number is broken
        widths = column_widths(measured, size, total, data.widths)
        if widths is not None:
            break
    else:
        widths = column_widths(measured, size, total, data.widths, squeeze=True)
    assert widths is not None
    grid = bordered_table(doc, 1, len(header))
    word_xml.breathing_room(grid)
    _fill_row(grid.rows[0], header, size, bold=True)
    word_xml.repeat_header(grid.rows[0])
    blank, template = _row_templates(grid, len(header), size, data.row_height)
    _widths(grid, widths, grid.rows[0]._tr, template)
    spans = Table(data.title, header, rows, merged=data.merged).spans()
    made = word_rows.Rows(template, blank)
    rows_xml = (made.row(values, row_spans) for values, row_spans in zip(texts, spans, strict=True))
    word_rows.append(doc, grid._tbl, rows_xml)
    return grid


def _row_templates(grid: Any, cols: int, size: float, height: float | None) -> tuple[Any, Any]:
    """A data row as python-docx makes it, one short line in each cell (`template`), and
    one of its cells left empty (`blank`): every row of the table is made of them, its
    text set (word_rows.Rows)."""
    from docx.shared import Mm

    row = grid.add_row()
    blank = copy.deepcopy(row._tr[0])
    _fill_row(row, ["x"] * cols, size)
    keep_row_together(row)
    if height is not None:
        row.height = Mm(height)
    grid._tbl.remove(row._tr)
    return blank, row._tr


def bordered_table(doc: Document, rows: int, cols: int) -> Any:
    """An empty table with full borders, centred on the page (a form's grid is merged
    by its writer)."""
    grid = doc.add_table(rows=rows, cols=cols)
    word_xml.borders(grid)
    grid.alignment = 1
    return grid


def _type_width(doc: Document) -> float:
    """The width of the type area in mm (a school's base.docx may set its own margins)."""
    section = doc.sections[-1]
    if section.page_width is None or section.left_margin is None or section.right_margin is None:
        return 156.0
    return float(section.page_width - section.left_margin - section.right_margin) / 36000


def _widths(grid: Any, widths: list[float], *rows: Any) -> None:
    """The columns' widths, and each cell's of `rows` (the header and the template every
    other row is copied from)."""
    from docx.shared import Mm

    grid.autofit = False
    for column, width in zip(grid._tbl.tblGrid.gridCol_lst, widths, strict=False):
        column.w = Mm(width)
    for tr in rows:
        for cell, width in zip(tr.tc_lst, widths, strict=False):
            cell.width = Mm(width)


def _fill_row(row: Any, values: Sequence[object], size: float, *, bold: bool = False) -> None:
    from docx.enum.table import WD_ALIGN_VERTICAL
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING

    for cell, value in zip(row.cells, values, strict=False):
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        lines = str(value).splitlines() or [""]
        para = cell.paragraphs[0]
        for index, line in enumerate(lines):
            if index:
                para = cell.add_paragraph()
            centred = word_xml.alignment(line) == "center"
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            para.paragraph_format.first_line_indent = 0
            run = para.add_run(line)
            set_font(run, BODY_FONT if not bold else HEADING_FONT, size)


def keep_row_together(row: Any) -> None:
    """A row never split across two pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)


def save(doc: Any, path: Path | IO[bytes]) -> None:
    """Written as xcert's own (outfiles.is_own_output reads the core properties); the
    same report gives the same bytes (cron's summary): no clock in the zip entries."""
    import io
    import zipfile

    from docx.document import Document as WordDocument

    props = doc.core_properties
    props.author = props.last_modified_by = CREATOR
    props.comments = ""
    if isinstance(doc, WordDocument):  # xcert's own layout: its tables' rows written in
        word_rows.save(doc, path)
        return
    buffer = io.BytesIO()
    doc.save(buffer)  # a school's Word template (docxtpl) saves itself
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(word_rows.entry(info.filename), source.read(info))
