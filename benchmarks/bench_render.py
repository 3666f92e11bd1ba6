"""Benchmark rendering a 10,000-row sign-off list to HTML beside a bare Jinja render.

The bare render is the same rows through a minimal Jinja template (one table, no
base page); the target (issue 7) is xcert's render ≤ 1.5× that.

    .venv/bin/python benchmarks/bench_render.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import jinja2  # noqa: E402

from xcert.figures.scope import Group, Scope  # noqa: E402
from xcert.output import render, sandbox  # noqa: E402
from xcert.store import schema  # noqa: E402
from xcert.store.connect import transaction  # noqa: E402

BARE = jinja2.Template(
    "<table><tr><th>序号</th><th>班号</th><th>姓名</th><th>工种</th><th>等级</th>"
    "<th>鉴定时间</th><th>发证日期</th><th>证书签领人</th></tr>"
    "{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>",
    autoescape=True,
)


def build(path: Path, rows: int) -> None:
    conn = schema.open_db(path)
    with transaction(conn):
        conn.execute(
            "INSERT INTO certificates (id, name, kind) VALUES (1, '机械设计工程师 (AutoCAD)', 'other')"
        )
        conn.executemany(
            "INSERT INTO students (id, student_no, name, class_code, major) VALUES (?, ?, ?, '20数控1', '数控技术应用')",
            ((i, f"S{i:06d}", f"学生{i}") for i in range(1, rows + 1)),
        )
        conn.executemany(
            "INSERT INTO awards (student_id, certificate_id, assessed_start, assessed_end, assessed_text,"
            " issued_on, signed_by) VALUES (?, 1, '2022-05-01', '2022-06-30', '2022.5-6', '2022-09-28', ?)",
            ((i, "学习委员" if i % 7 else None) for i in range(1, rows + 1)),
        )
    conn.close()


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "render.db"
    build(path, args.rows)
    conn = schema.open_db(path, create=False)
    scope = Scope((Group("class", "20数控1", ("20数控1",)),))
    rows = (
        render.REPORTS["sign-list"]
        .build(conn, year=None, cohort=None, scope=scope)["tables"][0]
        .rows
    )
    xcert = best(lambda: render.render(conn, "sign-list", "html", class_code="20数控1"))
    bare = best(lambda: BARE.render(rows=rows))
    context = render.REPORTS["sign-list"].build(conn, year=None, cohort=None, scope=scope)
    context.update(school="示例职业技术学校", date="2024年1月15日", charts=[])
    template = sandbox.environment(None).get_template("sign-list.html")
    page = best(lambda: template.render(**context))
    print(f"{'rows:':40}{args.rows:,}")
    print(f"{'xcert render sign-list html (best of 5):':40}{xcert:.3f} s  (query + template)")
    print(f"{'bare Jinja render of the same rows:':40}{bare:.3f} s")
    print(f"{'xcert template alone (A4 page, same rows):':40}{page:.3f} s  ratio {page / bare:.2f}")
    ratio = xcert / bare
    print(
        f"{'ratio, query + template:':40}{ratio:.2f}   target <= 1.5  {'PASS' if ratio <= 1.5 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
