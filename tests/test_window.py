"""`window.changed_rows` against the reader itself: whenever it names a window, the two
sheets read whole agree on every row outside it, and the new sheet's rows inside it are
the new window read alone; over random sheets with the XML a hostile file may hold."""

from __future__ import annotations

import io
import re
import zipfile

import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xcert.read import slices, window

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _book(sheet: bytes) -> bytes:
    """A one-sheet workbook holding this worksheet XML (inline strings, no styles)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet"'
            ' Target="worksheets/sheet1.xml"/></Relationships>',
        )
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def _whole(data: bytes) -> list[list[object]] | None:
    """The sheet as xcert's whole reader reads it; None where the reader refuses it."""
    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:
        return None


def _trimmed(row: list[object]) -> list[object]:
    end = len(row)
    while end and row[end - 1] in ("", None):
        end -= 1
    return row[:end]


def _row(rows: list[list[object]] | None, index: int) -> list[object]:
    return _trimmed(rows[index]) if rows is not None and index < len(rows) else []


_VALUES = st.one_of(
    st.integers(0, 99),
    st.text(alphabet="ab甲乙 ", min_size=1, max_size=3),
)
_ROWS = st.lists(st.lists(_VALUES, min_size=1, max_size=3), min_size=1, max_size=12)
# Hostile shapes, each a way a row may be written (see _render_row)
_SHAPES = st.sampled_from(
    [
        "plain",
        "plain",
        "plain",
        "plain",
        "no-row-number",
        "no-cell-ref",
        "stray-cell",
        "comment",
        "cdata",
        "prefixed",
        "empty-self-closed",
        "quoted-single",
        "spaced-ref",
        "duplicate",
        "moved",
    ]
)


def _cell(ref: str | None, value: object, shape: str) -> str:
    attr = "" if ref is None else (f" r='{ref}'" if shape == "quoted-single" else f' r="{ref}"')
    if shape == "spaced-ref" and ref is not None:
        attr = f' r = " {ref}"'
    if isinstance(value, int):
        return f"<c{attr}><v>{value}</v></c>"
    text = f"<![CDATA[{value}]]>" if shape == "cdata" else value
    return f'<c{attr} t="inlineStr"><is><t>{text}</t></is></c>'


def _render_row(number: int, values: list[object], shape: str, far: int) -> str:
    """Row `number` (1-based) written in `shape`; `far`: another row number, for the
    shapes that address one (a stray cell, a moved or duplicated row)."""
    letters = "ABC"
    refs: list[str | None] = [f"{letters[i]}{number}" for i in range(len(values))]
    if shape == "no-cell-ref":
        refs = [None] * len(values)
    if shape == "stray-cell":
        refs[-1] = f"{letters[len(values) - 1]}{far}"
    cells = "".join(_cell(ref, v, shape) for ref, v in zip(refs, values, strict=True))
    if shape == "no-row-number":
        return f"<row>{cells}</row>"
    if shape == "comment":
        return f'<!-- <row r="{far}"><c r="A{far}"><v>7</v></c></row> -->' + (
            f'<row r="{number}">{cells}</row>'
        )
    if shape == "prefixed":
        return (
            f'<x:row r="{number}">{cells.replace("<c", "<x:c").replace("</c>", "</x:c>")}</x:row>'
        )
    if shape == "empty-self-closed":
        return f'<row r="{number}"/>'
    if shape == "duplicate":
        return (
            f'<row r="{number}">{cells}</row><row r="{number}"><c r="C{number}"><v>5</v></c></row>'
        )
    if shape == "moved":
        return f'<row r="{far}">{cells.replace(str(number) + chr(34), str(far) + chr(34))}</row>'
    quote = "'" if shape == "quoted-single" else '"'
    return f"<row r={quote}{number}{quote}>{cells}</row>"


def _sheet(
    rows: list[list[object]], shapes: dict[int, tuple[str, int]], merges: list[str]
) -> bytes:
    body = "".join(
        _render_row(i + 1, values, *shapes.get(i, ("plain", 1))) for i, values in enumerate(rows)
    )
    merged = (
        f'<mergeCells count="{len(merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        + "</mergeCells>"
        if merges
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}" xmlns:x="{_MAIN}">'
        f"<sheetData>{body}</sheetData>{merged}</worksheet>"
    ).encode()


@st.composite
def _versions(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """Two versions of one sheet: the second with a few rows edited, added or taken
    away (each row keeps its place's number), its hostile shapes kept or moved."""
    rows = draw(_ROWS)
    count = len(rows)
    shapes = draw(
        st.dictionaries(st.integers(0, count - 1), st.tuples(_SHAPES, st.integers(1, count + 2)))
    )
    merges = draw(
        st.lists(st.sampled_from([f"A{r}:B{r + 1}" for r in range(1, count + 2)]), max_size=2)
    )
    edited = [list(values) for values in rows]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(edited)))
        action = draw(st.sampled_from(["change", "insert", "delete", "widen"]))
        if action == "insert" or not edited:
            edited.insert(at, draw(st.lists(_VALUES, min_size=1, max_size=3)))
        elif action == "delete" and len(edited) > 1:
            del edited[min(at, len(edited) - 1)]
        elif action == "widen":
            row = edited[min(at, len(edited) - 1)]
            row[:] = (row + [draw(_VALUES)] * 3)[:3]
        else:
            row = edited[min(at, len(edited) - 1)]
            row[draw(st.integers(0, len(row) - 1))] = draw(_VALUES)
    new_shapes = (
        shapes
        if draw(st.booleans())
        else draw(
            st.dictionaries(
                st.integers(0, len(edited) - 1), st.tuples(_SHAPES, st.integers(1, len(edited) + 2))
            )
        )
    )
    return _sheet(rows, shapes, merges), _sheet(edited, new_shapes, merges)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_versions())
def test_a_window_is_exact_wherever_one_is_named(pair):
    old, new = pair
    found = window.changed_rows(old, new)
    if found is not None:
        _assert_exact(old, new, found)


def _assert_exact(old: bytes, new: bytes, found: window.Window) -> None:
    """The window's promise, checked with the reader: the same rows outside it, and the
    new window read alone as the new sheet read whole reads it."""
    old_rows, new_rows = _whole(_book(old)), _whole(_book(new))
    if old_rows is None or new_rows is None:
        return  # the whole reader refuses one: so will the import, whatever the window says
    height = max(len(old_rows), len(new_rows))
    for index in range(height):
        if index not in found.rows:
            assert _row(old_rows, index) == _row(new_rows, index), (index, found)
    piece = slices.SlicedBook(_book(new)).read_slice(new[found.start : found.new_end], 1.0)
    for index in found.rows:
        inside = index - piece.first
        alone = _trimmed(piece.rows[inside]) if 0 <= inside < len(piece.rows) else []
        assert _row(new_rows, index) == alone, (index, found)
    assert found.old_end - found.old_start >= 0 and found.new_end - found.start >= 0


def test_one_changed_value_names_one_row():
    rows = [["学号", "姓名"], *[[str(1000 + i), f"甲{i}"] for i in range(300)]]
    old = _sheet(rows, {}, [])
    rows[150][1] = "乙"
    found = window.changed_rows(old, _sheet(rows, {}, []))
    assert found is not None and found.rows == range(150, 151)


def test_the_same_sheet_names_no_row():
    sheet = _sheet([["a", 1], ["b", 2]], {}, [])
    found = window.changed_rows(sheet, sheet)
    assert found is not None and list(found.rows) == []


def test_a_comment_anywhere_reads_the_file_whole():
    rows = [[str(i), "x"] for i in range(20)]
    old = _sheet(rows, {2: ("comment", 15)}, [])
    rows[15][1] = "y"
    assert window.changed_rows(old, _sheet(rows, {2: ("comment", 15)}, [])) is None


def _shaped(shape: str, at: int = 10, far: int = 30, edit: int = 10) -> tuple[bytes, bytes]:
    """A 40-row sheet whose row `at` is written in `shape`, and a copy with row `edit`'s
    second value changed."""
    rows = [[str(i), "x"] for i in range(40)]
    old = _sheet(rows, {at: (shape, far)}, [])
    rows[edit][1] = "y"
    return old, _sheet(rows, {at: (shape, far)}, [])


def test_each_hostile_shape_in_the_changed_row_reads_the_file_whole():
    for shape in ("no-row-number", "no-cell-ref", "stray-cell", "comment", "cdata", "prefixed"):
        assert window.changed_rows(*_shaped(shape)) is None, shape


def test_a_row_or_cell_elsewhere_addressed_to_the_changed_row_reads_the_file_whole():
    for shape in ("stray-cell", "moved"):
        assert window.changed_rows(*_shaped(shape, at=3, far=11)) is None, shape


def test_rows_after_a_window_of_another_length_numbered_by_their_place_read_the_file_whole():
    """A row without its number is the row before it plus one: a window that takes a row
    away moves it (read whole); one of the same rows leaves it where it was (exact)."""
    rows = [[str(i), "x"] for i in range(40)]
    old = _sheet(rows, {11: ("no-row-number", 1)}, [])
    eleventh = old[old.index(b'<row r="11">') : old.index(b"<row>")]
    assert window.changed_rows(old, old.replace(eleventh, b"")) is None
    for at in (3, 11, 20):
        old, new = _shaped("no-row-number", at=at)
        found = window.changed_rows(old, new)
        assert found is not None and found.same_rows, at
        _assert_exact(old, new, found)


def test_a_merged_area_over_the_changed_row_reads_the_file_whole():
    rows = [[str(i), "x"] for i in range(40)]
    old = _sheet(rows, {}, ["A10:B12"])
    rows[10][1] = "y"
    assert window.changed_rows(old, _sheet(rows, {}, ["A10:B12"])) is None
    assert window.changed_rows(old.replace(b"A10:B12", b"A30:B32"), _sheet(rows, {}, ["A30:B32"]))


def _long(shape: str = "plain", far: int = 1051) -> tuple[bytes, bytes]:
    """A 1,100-row sheet (row numbers long enough to be searched for as digits) whose
    row 4 is written in `shape`, and a copy with row 1,051's second value changed."""
    rows = [[str(i), "x"] for i in range(1100)]
    old = _sheet(rows, {3: (shape, far)}, [])
    rows[1050][1] = "y"
    return old, _sheet(rows, {3: (shape, far)}, [])


def test_a_long_row_number_addressed_elsewhere_reads_the_file_whole():
    old, new = _long()
    found = window.changed_rows(old, new)
    assert found is not None and found.rows == range(1050, 1051)
    _assert_exact(old, new, found)
    for shape in ("stray-cell", "moved"):
        assert window.changed_rows(*_long(shape)) is None, shape
    old, new = _long("stray-cell")
    for written in (b'r = " B1051 "', b"r='$B$001051'", b'r="\tb1051"'):
        spaced = old.replace(b'r="B1051"', written), new.replace(b'r="B1051"', written)
        assert window.changed_rows(*spaced) is None, written


def test_the_row_number_as_a_value_elsewhere_is_no_address():
    old, new = _long()
    value = b"<v>10510</v></c></row>", b'<c r="C5" t="inlineStr"><is><t>x1051</t></is></c></row>'
    for text in value:
        cut = old.index(b"</c></row>", old.index(b'<row r="5">')) + len(b"</c>")
        with_value = old[:cut] + text.replace(b"</c></row>", b"</row>", 1)[: -len(b"</row>")]
        rest = old[cut:]
        found = window.changed_rows(with_value + rest, new[:cut] + with_value[cut:] + new[cut:])
        assert found is not None, text


def test_where_the_cursor_was_is_no_change():
    rows = [[str(i), "x"] for i in range(40)]
    old = _sheet(rows, {}, [])
    rows[20][1] = "y"
    new = _sheet(rows, {}, [])

    def viewed(sheet: bytes, cell: str, more: bytes = b"") -> bytes:
        views = f'<sheetViews><sheetView workbookViewId="0"><selection activeCell="{cell}"/>'
        return sheet.replace(
            b"<sheetData>", views.encode() + b"</sheetView></sheetViews>" + more + b"<sheetData>"
        )

    found = window.changed_rows(viewed(old, "A1"), viewed(new, "B21"))
    assert found is not None and found.rows == range(20, 21)
    _assert_exact(viewed(old, "A1"), viewed(new, "B21"), found)
    dimension = b'<dimension ref="A1:B40"/>'
    assert window.changed_rows(viewed(old, "A1", dimension), viewed(new, "A1")) is None
    stray = b'<c r="B21"><v>1</v></c>'
    hostile = viewed(old, "A1").replace(b"</sheetView>", stray + b"</sheetView>")
    assert (
        window.changed_rows(
            hostile, viewed(new, "A1").replace(b"</sheetView>", stray + b"</sheetView>")
        )
        is None
    )
    cursor = viewed(old, "A1").replace(b"</sheetView>", stray + b"</sheetView>")
    assert window.changed_rows(cursor, viewed(new, "B21")) is None  # in the old one only


@given(st.integers(1, 2_000_000), st.integers(0, 3000))
def test_a_range_of_row_numbers_as_patterns_matches_those_numbers_only(low, span):
    pattern = re.compile(b"(?:%s)" % b"|".join(window._number_range(low, low + span)))
    for number in {
        low - 1,
        low,
        low + 1,
        low + span // 2,
        low + span - 1,
        low + span,
        low + span + 1,
        10 * low,
    }:
        assert bool(pattern.fullmatch(str(number).encode())) == (low <= number <= low + span), (
            number
        )


def test_a_merged_area_written_otherwise_or_elsewhere_reads_the_file_whole():
    """The reader honours a merge however it is spaced or prefixed, and before the rows."""
    rows = [[str(i), "x"] for i in range(40)]
    old = _sheet(rows, {}, ["A10:B12"])
    rows[10][1] = "y"
    new = _sheet(rows, {}, ["A10:B12"])
    plain = b'<mergeCell ref="A10:B12"/>'
    for written in (b'<mergeCell\tref="A10:B12"/>', b'<x:mergeCell ref="A10:B12"/>'):
        assert window.changed_rows(old.replace(plain, written), new.replace(plain, written)) is None
    merges = old[old.index(b"<mergeCells") : old.index(b"</worksheet>")]

    def moved(sheet: bytes) -> bytes:
        return sheet.replace(merges, b"").replace(b"<sheetData>", merges + b"<sheetData>")

    assert window.changed_rows(moved(old), moved(new)) is None


def test_rows_far_apart_read_the_file_whole():
    old, new = _long()
    far = b'<c r="C1048576"><v>1</v></c></row>'
    at = new.index(b"</row>", new.index(b'<row r="1051">'))
    assert window.changed_rows(old, new[:at] + far + new[at + len(b"</row>") :]) is None
