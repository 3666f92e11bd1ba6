"""The parts of a Word file python-docx has no call for: table borders, a header row
repeated on every page, cell margins, and every property in the order the schema gives
(Word repairs a file, or ignores borders, when one is out of place)."""

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


def in_schema_order(body: Any) -> None:
    """Every table's, paragraph's and cell's properties in the schema's order."""
    for name, order in _SCHEMA_ORDER.items():
        rank = {tag: index for index, tag in enumerate(order.split())}
        for properties in body.iter(f"{_W}{name}"):
            children = list(properties)
            ordered = sorted(children, key=lambda c: rank.get(c.tag.removeprefix(_W), len(rank)))
            if ordered != children:
                for child in children:
                    properties.remove(child)
                properties.extend(ordered)
