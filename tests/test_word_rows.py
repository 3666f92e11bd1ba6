"""A Word table's rows are copies of one row python-docx built (word.table), their text
set in the XML: the table must be the one python-docx's objects build cell by cell (as
word.table did until building 10,000 rows took a minute), whatever the cells hold: lines,
empty lines, tabs, spaces at either end, long lines, merged columns, short rows, a
row height. One difference on purpose: a cell a merge covers has its column's width
(python-docx's merge left it the width add_table first gave every column)."""

from __future__ import annotations

import copy

from docx.shared import Mm
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from xcert.output import word, word_xml
from xcert.output.tables import Table, cell_text
from xcert.output.word_widths import Measures, column_widths

CELLS = st.one_of(
    st.sampled_from(["", " ", "甲", "甲\n乙", "甲\n\n乙", "\n", "a\tb", "\t", " 甲 ", "a\r\nb"]),
    st.text(alphabet="甲乙丙 12ab\t\n", max_size=16),
    st.integers(-5, 5),
    st.floats(0, 100, allow_nan=False),
    st.none(),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    columns = draw(st.integers(1, 4))
    header = [f"列{i}" for i in range(columns)]
    merged = tuple(sorted(draw(st.sets(st.integers(1, columns), max_size=2))))
    # short rows only in a table without merged columns (Table.spans wants whole rows)
    shortest = columns if merged else 1
    rows = draw(st.lists(st.lists(CELLS, min_size=shortest, max_size=columns), max_size=6))
    if draw(st.booleans()):  # repeated cells to merge
        rows = [row for row in rows for _ in range(draw(st.integers(1, 3)))]
    height = draw(st.sampled_from([None, 10, 30]))
    return Table("表", header, rows, merged=merged, row_height=height)


def _by_python_docx(data: Table) -> bytes:
    """The table as word.table built it through python-docx's objects, cell by cell."""
    doc = word.document()
    header = list(data.header)
    rows = [list(row) for row in data.rows] or [["—"] * len(header)]
    texts = [[cell_text(value) for value in values] for values in rows]
    measured = Measures(header, texts)
    size, widths, total = word.SIZE_5, None, word._type_width(doc)
    for size in (word.SIZE_5, word.SIZE_SMALL_5, word.SIZE_6):  # noqa: B007
        widths = column_widths(measured, size, total)
        if widths is not None:
            break
    else:
        widths = column_widths(measured, size, total, squeeze=True)
    grid = word.bordered_table(doc, len(rows) + 1, len(header))
    word_xml.breathing_room(grid)
    word._fill_row(grid.rows[0], header, size, bold=True)
    word_xml.repeat_header(grid.rows[0])
    for row, values in zip(grid.rows[1:], texts, strict=True):
        word._fill_row(row, values, size)
        word.keep_row_together(row)
        if data.row_height is not None:
            row.height = Mm(data.row_height)
    spans = Table(data.title, header, rows, merged=data.merged).spans()
    for r, row_spans in enumerate(spans):
        for c, span in enumerate(row_spans):
            if span > 1:
                for covered in range(r + 2, r + span + 1):
                    for para in grid.cell(covered, c).paragraphs:
                        for run in list(para.runs):
                            run._r.getparent().remove(run._r)
                top = grid.cell(r + 1, c)
                top.merge(grid.cell(r + span, c))
                for para in top.paragraphs[1:]:
                    if not para.text:
                        para._p.getparent().remove(para._p)
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=False):
        column.width = Mm(width)
    for tr in grid._tbl.tr_lst:  # every cell, a covered one too: its column's width
        for tc, width in zip(tr.tc_lst, widths, strict=False):
            tc.width = Mm(width)
    return etree.tostring(grid._tbl)


def _copied(data: Table) -> bytes:
    doc = word.document()
    return etree.tostring(word.table(doc, copy.deepcopy(data))._tbl)


@settings(max_examples=150, deadline=None, database=None)
@given(data=tables())
def test_copied_rows_are_the_rows_python_docx_builds(data):
    assert _copied(data) == _by_python_docx(data)


def test_a_long_list_of_one_line_cells_is_the_same_table():
    rows = [[str(i), f"学生{i}", " 空格 ", "机械设计工程师 (AutoCAD)", ""] for i in range(300)]
    data = Table("签领", ["序号", "姓名", "备注", "工种", "签名"], rows, row_height=10)
    assert _copied(data) == _by_python_docx(data)
