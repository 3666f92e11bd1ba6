"""A table's rows in an HTML page (`typeset.rows_html`, table.html's body): made in Python,
each distinct value of a column once, they are the very bytes the template's own loop
over `Table.laid_out` printed before (issue 21), whatever the cells; and a school's copy
of that older table.html still prints the same page."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from xcert.output.sandbox import environment
from xcert.output.tables import Rate, Table
from xcert.output.typeset import UNITS, rows_html, typeset_tables
from xcert.resources import bundled

# table.html's body as it was: a loop over every cell (the reference rows_html keeps to)
TEMPLATE_LOOP = (
    "{% autoescape true %}"
    '{% for row in table.laid_out(text_columns) %}<tr>{% for cell, span, text in row %}{% if span %}<td{% if span > 1 %} rowspan="{{ span }}"{% endif %}{% if text %} class="text"{% endif %}>{{ cell | cell }}</td>{% endif %}{% endfor %}</tr>\n'  # noqa: E501
    "{% else %}<tr>{% for label in table.header %}<td>—</td>{% endfor %}</tr>\n"
    "{% endfor %}{% endautoescape %}"
)


def by_template_loop(table: Table, text_columns: list[int]) -> str:
    return environment().from_string(TEMPLATE_LOOP).render(table=table, text_columns=text_columns)


# Text a cell may hold: what HTML escapes, what typeset marks (2022年, 2022.5-6, a long
# token), Chinese, spaces and line breaks; few letters, so that columns repeat values.
_TEXT = st.text(alphabet="&<>'\"-/@x2 \n学生" + UNITS[:4], max_size=8) | st.sampled_from(
    ["", "2022.5-6", "机械设计工程师 (AutoCAD)", "a" * 45, "<b>", "学习委员"]
)
KINDS = [
    _TEXT,
    st.integers(-3, 3),
    st.booleans(),  # True and 1 are equal keys, printed differently
    st.sampled_from([0.0, -0.0, 1.0, 81.0, 68.4, float("nan")]),  # 1.0 == 1, -0.0 == 0.0
    st.sampled_from([Rate("88.0%", 0.88), Rate("—", None), Rate("0.0%", -0.0)]),
    st.none(),
    st.sampled_from([Markup('<span class="nb">2022年</span>'), Markup("&amp;")]),  # typeset
]
# A column's values: of one kind (a real list's column), or of several
COLUMNS = st.one_of(
    *(st.lists(kind, min_size=1, max_size=4) for kind in KINDS),
    st.lists(st.one_of(*KINDS), min_size=1, max_size=4),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[Table, list[int]]:
    width = draw(st.integers(1, 5))
    # a few values per column, so that cells repeat as in a real list
    pools = [draw(COLUMNS) for _ in range(width)]
    rows = draw(st.lists(st.lists(st.integers(0, 3), min_size=width, max_size=width), max_size=12))
    body: list[list[object]] = [
        [pools[k][pick % len(pools[k])] for k, pick in enumerate(row)] for row in rows
    ]
    columns = st.sets(st.integers(1, width), max_size=width)
    merged = tuple(sorted(draw(columns))) if draw(st.booleans()) else ()
    if not merged and draw(st.booleans()) and body:  # rows of unequal length: one shorter
        body[draw(st.integers(0, len(body) - 1))].pop()  # (spans() cannot merge those)
    header = [f"列{k}" for k in range(1, width + 1)]
    text_columns = sorted(draw(columns))
    return Table("t", header, body, merged=merged), text_columns


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(tables())
def test_rows_made_in_python_are_the_template_loops_bytes(drawn):
    table, text_columns = drawn
    typeset = typeset_tables(table)  # as a page's tables reach table.html
    assert str(rows_html(typeset, text_columns)) == by_template_loop(typeset, text_columns)
    assert str(rows_html(table, text_columns)) == by_template_loop(table, text_columns)


def test_equal_values_of_other_types_print_as_their_own():
    """1, 1.0 and True are one dict key, and a text and the same text typeset compare
    equal: each still prints as itself (a column of one type is made value by value)."""
    table = Table(
        "t",
        ["a", "b", "c", "d", "e"],
        [
            [1, "a&b", Markup("&amp;"), 0.0, "O'Neil"],
            [1.0, "a&b", "&amp;", -0.0, '说"好"'],
            [True, Markup("a&amp;b"), "&amp;", 0.0, "O'Neil"],
            [-0.0, "a&b", Markup("&amp;"), -0.0, "学生"],
        ],
    )
    rows = re.findall(r"<tr>(.*?)</tr>", str(rows_html(table, [2])))
    assert rows == [
        '<td>1</td><td class="text">a&amp;b</td><td>&amp;</td><td>0</td><td>O&#39;Neil</td>',
        '<td>1</td><td class="text">a&amp;b</td><td>&amp;amp;</td><td>-0</td><td>说&#34;好&#34;</td>',
        '<td>True</td><td class="text">a&amp;b</td><td>&amp;amp;</td><td>0</td><td>O&#39;Neil</td>',
        '<td>-0</td><td class="text">a&amp;b</td><td>&amp;</td><td>-0</td><td>学生</td>',
    ]
    assert str(rows_html(table, [2])) == by_template_loop(table, [2])


def test_a_long_list_is_the_same_page_made_either_way():
    """The benchmark's shape (10,000 rows of one class: names unique, the rest repeated)
    through the fast path, against the template's loop."""
    rows: list[list[object]] = [
        [i, "20数控1", f"学生{i}", "机械设计工程师 (AutoCAD)", "", "2022.5-6", "2022.9.28", ""]
        for i in range(1, 2001)
    ]
    table = typeset_tables(Table("签领名单", [f"列{k}" for k in range(8)], rows))
    assert str(rows_html(table, [4, 8])) == by_template_loop(table, [4, 8])
    assert '<td><span class="nb">2022.5-6</span></td>' in str(rows_html(table, [4, 8]))


def test_a_schools_copy_of_the_older_table_html_prints_the_same_page(make_school, tmp_path):
    """A school that copied table.html (the docs invite it) keeps its loop over
    `laid_out` and the `cell` filter: its dossier (the plan's merged budget cells, the
    sign-off list, every table) is byte for byte the built-in one."""
    school = make_school(
        examples=("roster.xlsx", "catalogue.toml", "results.xlsx", "sign-off.xlsx", "site.toml")
    )
    own = tmp_path / "mine"
    own.mkdir()
    older = bundled("templates").joinpath("table.html").read_text(encoding="utf-8")
    older = older.replace(
        "{{ table | rows_html(text_columns) }}</tbody>",
        TEMPLATE_LOOP.removeprefix("{% autoescape true %}").replace(
            "{% endfor %}{% endautoescape %}", "{% endfor %}</tbody>"
        ),
    )
    assert "rows_html(" not in older
    (own / "table.html").write_text(older, encoding="utf-8")
    pages = []
    for extra in ([], ["--templates", own]):
        out = tmp_path / f"汇编{len(extra)}.html"
        args = ["render", "dossier", "--year", "2023", "--class", "20数控1", "-o", out, *extra]
        assert school(*args).exit_code == 0
        pages.append(out.read_text(encoding="utf-8"))
    assert pages[0] == pages[1]
    assert 'rowspan="' in pages[0] and "考证签领名单" in pages[0]
