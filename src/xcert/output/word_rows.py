"""A Word table's data rows written as XML text, and the file they are written into.

A table's rows are the template row python-docx built (word.table), one short line in
each cell, with their text set. As lxml elements, copied, serialised and saved through
python-docx (then zipped again without its clock), 10,000 rows took 1.3 s and most of the
process's 512 MB; as text, 0.2 s and 92 MB for the whole process. The template
row's XML is cut once around what changes from cell to cell (a paragraph's alignment, a
run's text), each row is those pieces joined, and the rows wait, as UTF-8, until `save`
writes them where the table holds a marker (an XML comment). A cell that is not one
plain line (lines, a tab, a merge, a character XML refuses) is built as before, by
word_xml.copied_row, and serialised the same way.

`save` writes the package once, with the same entries, order and fixed timestamps as
python-docx's own save rewritten (the same report gives the same bytes)."""

from __future__ import annotations

import re
import weakref
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from xcert.output import word_xml

_DECLARATION = b' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CENTRED = b'<w:jc w:val="center"/>'
_TEXT = b"<w:t>x</w:t>"
# what takes a cell off the plain path: a line break (str.splitlines), a tab, a control
# character or a code point lxml refuses
_NOT_PLAIN = re.compile("[\x00-\x1f\x85\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# rows waiting for the document's save: a table's marker comment → its rows' XML
_WAITING: weakref.WeakKeyDictionary[Any, dict[bytes, list[bytes]]] = weakref.WeakKeyDictionary()


def _xml(element: Any) -> bytes:
    """An element detached from the document as the document will hold it."""
    from lxml import etree

    return etree.tostring(element, encoding="UTF-8").replace(_DECLARATION, b"", 1)


class Rows:
    """The pieces a table's rows are made of, cut from its template row: the row's start
    and, for each column, the cell before its alignment, between the alignment and the
    text, after the text, and the column's cell left empty (past a short row's end)."""

    def __init__(self, template: Any, blank: Any) -> None:
        import copy

        self.template, self.blank = template, blank
        whole = _xml(template)
        cells = [_xml(tc) for tc in template.tc_lst]
        self.start = whole[: whole.index(b"<w:tc>")]
        assert whole == self.start + b"".join(cells) + b"</w:tr>", whole
        self.pieces: list[tuple[bytes, bytes, bytes]] = []
        self.empty: list[bytes] = []
        self.made: list[dict[str, bytes]] = [{} for _ in cells]
        for tc, cell in zip(template.tc_lst, cells, strict=True):
            assert cell.count(_CENTRED) == 1 and cell.count(_TEXT) == 1, cell
            before, after = cell.split(_CENTRED)
            between, end = after.split(_TEXT)
            self.pieces.append((before + b'<w:jc w:val="', b'"/>' + between, end))
            empty = copy.deepcopy(blank)
            empty[0][0].attrib.update(tc[0][0].attrib)  # the column's width
            self.empty.append(_xml(empty))

    def row(self, values: list[str], spans: list[int]) -> bytes:
        """One row's XML: as word_xml.copied_row builds it, from the pieces when every
        cell is one plain line and none is merged."""
        if any(span != 1 for span in spans):
            return self._copied(values, spans)
        made = self.made
        parts = [self.start]
        for index, value in enumerate(values[: len(made)]):
            cell = made[index].get(value)
            if cell is None:
                if _NOT_PLAIN.search(value):
                    return self._copied(values, spans)
                cell = made[index][value] = self._cell(index, value)
            parts.append(cell)
        parts.extend(self.empty[len(values) :])
        parts.append(b"</w:tr>")
        return b"".join(parts)

    def _cell(self, index: int, value: str) -> bytes:
        """A cell of one plain line (centred and without text when empty)."""
        before, between, end = self.pieces[index]
        if not value:
            return before + b"center" + between + end
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        text = f"<w:t{space}>{value.translate(_ESCAPES)}</w:t>".encode()
        return before + word_xml.alignment(value).encode() + between + text + end

    def _copied(self, values: list[str], spans: list[int]) -> bytes:
        """A row built as lxml elements (word_xml.copied_row), as the document holds it."""
        return _xml(word_xml.copied_row(self.template, self.blank, values, spans))


def append(doc: Any, tbl: Any, rows: Iterable[bytes]) -> None:
    """The rows at the end of the table, written when the document is saved."""
    from lxml import etree

    waiting = _WAITING.setdefault(doc.part, {})
    label = f"xcert-rows-{len(waiting) + 1}"
    tbl.append(etree.Comment(label))
    waiting[f"<!--{label}-->".encode()] = list(rows)


def save(doc: Any, path: Path | IO[bytes]) -> None:
    """The package as python-docx writes it, each table's rows in place of its marker,
    compressed once, every entry dated 1980-01-01 (no clock in the file)."""
    from docx.opc.pkgwriter import PackageWriter

    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    with zipfile.ZipFile(path, "w") as target:
        # python-docx writes through a PhysPkgWriter; ours has its one method, write
        writer: Any = _Writer(target, doc.part.partname, _WAITING.get(doc.part, {}))
        PackageWriter._write_content_types_stream(writer, parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, parts)


def entry(name: str) -> zipfile.ZipInfo:
    """A zip entry without a clock in it."""
    fixed = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    fixed.compress_type = zipfile.ZIP_DEFLATED
    return fixed


class _Writer:
    """What python-docx's PackageWriter writes parts through: each part to the zip file,
    the main document's with the tables' rows in place of their markers, streamed."""

    def __init__(self, target: zipfile.ZipFile, main: str, waiting: dict[bytes, list[bytes]]):
        self.target, self.main, self.waiting = target, main, waiting

    def write(self, uri: Any, blob: bytes) -> None:
        info = entry(uri.membername)
        if uri != self.main or not self.waiting:
            self.target.writestr(info, blob)
            return
        pieces = re.split(b"(" + b"|".join(map(re.escape, self.waiting)) + b")", blob)
        assert len(pieces) == 2 * len(self.waiting) + 1, "every marker once"
        chunks = [self.waiting[p] if i % 2 else [p] for i, p in enumerate(pieces)]
        # the size known before the first byte, as writestr knows it: the same header
        info.file_size = sum(len(chunk) for rows in chunks for chunk in rows)
        with self.target.open(info, "w") as stream:
            for rows in chunks:
                for chunk in rows:
                    stream.write(chunk)
