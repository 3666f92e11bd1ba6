"""The parts of a Word file python-docx has no call for: table borders, a header row
repeated on every page, cell margins, and every property in the order the schema gives
(Word repairs a file, or ignores borders, when one is out of place): what xcert appends
to properties by hand is put in its place there and then (`put_in_order`); what
python-docx adds it puts in place itself."""

from __future__ import annotations

from typing import Any


def borders(grid: Any) -> None:
    """Full single borders, as a filed table has (python-docx's default has none)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = grid._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "6" if edge.startswith("inside") else "8")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    tbl_pr.append(borders)
    put_in_order(tbl_pr)


def repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)


def breathing_room(grid: Any) -> None:
    """A little room above and below each cell's text, as a filed table has (Word's
    default has none); left and right stay Word's."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "bottom"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "40")  # twentieths of a point: about 0.7 mm
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    grid._tbl.tblPr.append(margins)
    put_in_order(grid._tbl.tblPr)


# The order ECMA-376 gives the children of these properties: Word repairs, or silently
# ignores (a table's borders), an element out of place; LibreOffice does not mind.
_SCHEMA_ORDER = {
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
    "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
    "tblDescription tblPrChange",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
    "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
    "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
    "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
    "tcFitText vAlign hideMark headers cellIns cellDel cellMerge tcPrChange",
}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def put_in_order(properties: Any) -> None:
    """A table's, paragraph's or cell's properties in the schema's order, after xcert
    appended one of them (python-docx puts its own in place)."""
    name = properties.tag.removeprefix(_W)
    rank = {f"{_W}{tag}": index for index, tag in enumerate(_SCHEMA_ORDER[name].split())}
    children = list(properties)
    ordered = sorted(children, key=lambda c: rank.get(c.tag, len(rank)))
    if ordered != children:
        for child in children:
            properties.remove(child)
        properties.extend(ordered)


# A table's rows (word.table) are made from one template row python-docx built, one short
# line in each cell. Most are written as text (word_rows); a row with a cell of several
# lines, a tab or a merge is a copy of the template made here, what changes set in it: a
# run's text, a paragraph's alignment, a merge. Building each cell through python-docx's
# objects took a minute for 10,000 rows (each call looks its element up in the table).
_TEXT = f"{_W}t"
_ALIGNMENT = f"{_W}jc"
_VAL = f"{_W}val"
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def alignment(line: str) -> str:
    """A table cell's line: short, centred; long, from the left."""
    return "center" if len(line) <= 12 else "left"


def copied_row(template: Any, blank: Any, values: list[str], spans: list[int]) -> Any:
    """A copy of the template row holding `values` as python-docx writes them (word's
    _fill_row); a cell of a merged span as python-docx's merge leaves it (`merge`); the
    cells past a short row's values as `blank` (an empty cell as add_table makes it)."""
    import copy

    tr = copy.deepcopy(template)
    texts = list(tr.iter(_TEXT))
    alignments = list(tr.iter(_ALIGNMENT))
    for t, jc, value, span in zip(texts, alignments, values, spans, strict=False):
        if span != 1 or "\t" in value or value.splitlines() not in ([value], []):
            _fill_cell(t.getparent().getparent().getparent(), value, span)
        elif not value:  # an empty cell: a run without text, centred
            t.getparent().remove(t)
        else:  # most cells: one line, as the template's
            t.text = value
            if value[0].isspace() or value[-1].isspace():
                t.set(_SPACE, "preserve")
            jc.set(_VAL, alignment(value))
    for t in texts[len(values) :]:
        cell = t.getparent().getparent().getparent()
        empty = copy.deepcopy(blank)
        empty[0][0].attrib.update(cell[0][0].attrib)  # the column's width
        tr.replace(cell, empty)
    return tr


def _fill_cell(cell: Any, value: str, span: int) -> None:
    """A cell of several lines, an empty one, one with a tab, or one of a merged span:
    a paragraph for each line, copied from the template's."""
    import copy

    first = cell[1]
    for index, line in enumerate(value.splitlines() or [""]):
        para = first if index == 0 else copy.deepcopy(first)
        if index:
            cell.append(para)
        _set_line(para, line)
        para[0][-1].set(_VAL, alignment(line))  # its w:jc, the last of its properties
    if span != 1:
        merge(cell, span)


def _set_line(para: Any, line: str) -> None:
    """The text of the paragraph's one run as python-docx's add_run(line) writes it: each
    tab a w:tab, the text between them in a w:t (spaces kept at either end), nothing for
    an empty line."""
    from docx.oxml import OxmlElement

    run = para[-1]
    for child in list(run)[1:]:  # all but its properties
        run.remove(child)
    for index, part in enumerate(line.split("\t")):
        if index:
            run.append(OxmlElement("w:tab"))
        if part:
            t = OxmlElement("w:t")
            t.text = part
            if len(part.strip()) < len(part):
                t.set(_SPACE, "preserve")
            run.append(t)


def merge(cell: Any, span: int) -> None:
    """A cell of a column's merged span as python-docx's merge leaves it: the first
    (`span` > 1) marked to restart and its empty lines after the first dropped; a covered
    one (`span` 0) marked to continue, its text gone (its one paragraph's properties
    kept, or a bare paragraph in place of several)."""
    from docx.oxml import OxmlElement

    mark = OxmlElement("w:vMerge")
    if span > 1:
        mark.set(_VAL, "restart")
    cell[0].insert(1, mark)  # after the cell's width
    paragraphs = cell[1:]
    if span > 1:
        for para in paragraphs[1:]:
            if len(para[-1]) == 1:  # its run holds nothing but its properties
                cell.remove(para)
    elif len(paragraphs) == 1:
        paragraphs[0].remove(paragraphs[0][-1])
    else:
        for para in paragraphs:
            cell.remove(para)
        cell.append(OxmlElement("w:p"))
