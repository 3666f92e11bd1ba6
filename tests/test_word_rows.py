"""A Word table's rows are made from one row python-docx built (word.table), their text
set in the XML (word_rows writes plain rows as text, word_xml.copied_row builds the
others as elements): the table in the saved file must be the one python-docx's objects
build cell by cell (as word.table did until building 10,000 rows took a minute), whatever
the cells hold: lines, empty lines, tabs, spaces at either end, long lines, markup
characters, merged columns, short rows, a row height, several tables in one document.
One difference on purpose: a cell a merge covers has its column's width (python-docx's
merge left it the width add_table first gave every column)."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
from docx.document import Document
from docx.shared import Mm
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from xcert.output import word, word_xml
from xcert.output.tables import Table, cell_text
from xcert.output.word_widths import Measures, column_widths

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

CELLS = st.one_of(
    st.sampled_from(["", " ", "甲", "甲\n乙", "甲\n\n乙", "\n", "a\tb", "\t", " 甲 ", "a\r\nb"]),
    st.sampled_from(
        ["R&D <一>", "a\x0bb", "甲\u2028乙", "\x85", "\u3000甲\u3000", "]]>", "a\x1cb"]
    ),
    st.text(alphabet="甲乙丙 12ab\t\n&<>\u3000\x85\x7f", max_size=16),
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
    doc = word.document()
    _build_by_python_docx(doc, data)
    return _saved_table(doc)


def _build_by_python_docx(doc: Document, data: Table) -> None:
    """The table as word.table built it through python-docx's objects, cell by cell."""
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


def _copied(data: Table) -> bytes:
    doc = word.document()
    word.table(doc, copy.deepcopy(data))
    return _saved_table(doc)


def _saved(doc: Document) -> bytes:
    """The document's body as word.save writes it."""
    buffer = io.BytesIO()
    word.save(doc, buffer)
    with zipfile.ZipFile(buffer) as package:
        return package.read("word/document.xml")


def _saved_table(doc: Document) -> bytes:
    body = etree.fromstring(_saved(doc))
    (table,) = body.iter(f"{W}tbl")
    return etree.tostring(table)


@settings(max_examples=150, deadline=None, database=None)
@given(data=tables())
def test_copied_rows_are_the_rows_python_docx_builds(data):
    assert _copied(data) == _by_python_docx(data)


def test_a_long_list_of_one_line_cells_is_the_same_table():
    rows = [[str(i), f"学生{i}", " 空格 ", "机械设计工程师 (AutoCAD)", ""] for i in range(300)]
    data = Table("签领", ["序号", "姓名", "备注", "工种", "签名"], rows, row_height=10)
    assert _copied(data) == _by_python_docx(data)


def test_tables_of_one_document_each_get_their_own_rows():
    """A dossier's chapters: tables one after another, text between them, each table's
    rows written in its place."""
    first = Table("一", ["序号", "姓名"], [[i, f"学生{i}"] for i in range(5)], row_height=10)
    merged = Table("二", ["项目", "金额"], [["甲", "1"], ["甲", "2"], ["乙", "3"]], merged=(1,))
    last = Table("三", ["备注"], [["a\tb"], ["R&D <一>"], [""]])
    made, built = word.document(), word.document()
    for doc, add in (
        (made, lambda d, t: word.table(d, copy.deepcopy(t))),
        (built, _build_by_python_docx),
    ):
        for table in (first, merged, last):
            add(doc, table)
            word.paragraph(doc, f"{table.title}之后")
    assert _saved(made) == _saved(built)
    assert b"<!--" not in _saved(made)  # every marker replaced by its rows


def test_a_document_saved_twice_gives_the_same_bytes(tmp_path):
    doc = word.document()
    word.table(doc, Table("签领", ["序号", "姓名"], [[i, f"学生{i}"] for i in range(50)]))
    word.save(doc, tmp_path / "1.docx")
    word.save(doc, tmp_path / "2.docx")
    assert (tmp_path / "1.docx").read_bytes() == (tmp_path / "2.docx").read_bytes()
    with zipfile.ZipFile(tmp_path / "1.docx") as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert package.read("word/document.xml").count(b"<w:tr>") == 51


@pytest.mark.parametrize("cell", ["\x01", "甲\x08乙"])
def test_a_cell_xml_cannot_hold_is_refused_as_python_docx_refuses_it(cell):
    """A character XML 1.0 refuses (import drops them): an error, as before, never a
    broken file."""
    data = Table("表", ["列"], [[cell]])
    with pytest.raises(ValueError):
        _by_python_docx(data)
    with pytest.raises(ValueError):
        _copied(data)
