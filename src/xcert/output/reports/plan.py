"""The implementation plan (实施方案) of a year."""

from __future__ import annotations

import sqlite3

from xcert.figures import stats
from xcert.figures import teachers as teacher_figures
from xcert.figures.scope import TARGETS_NOTE, Scope
from xcert.figures.teachers import TeacherCounts
from xcert.office import catalogue, sites
from xcert.output import tables as output


def plan(conn: sqlite3.Connection, *, year: int | None, scope: Scope, **_: object) -> dict:
    """The plan of `year`; its history of earlier years limited to `scope` (its groups,
    and its span: `--from`, `--to`), and its targets the school's, left out for a group."""
    plan = sites.plan(conn, year)
    earlier = [
        r
        for r in stats.pass_rates(conn, scope=scope)
        if r.year is not None and r.year < plan["year"]
    ]
    certificates_by_year: dict[int, int] = {  # a year of the history: as entered
        r.year: r.certificates or 0 for r in earlier if r.history and r.year is not None
    }
    for r in stats.pass_rates(conn, by="certificate", scope=scope):
        if r.year is not None:
            certificates_by_year[r.year] = certificates_by_year.get(r.year, 0) + 1
    history = output.Table(
        "往年 1+X 证书试点情况",
        ["年份", "试点证书（种）", "考证人数（人）", "通过人数（人）", "通过率"],
        [
            [
                output.year_label(r.year),
                certificates_by_year.get(r.year or 0, 0),
                r.tested,
                r.passed,
                output.rate(r.passed, r.tested),
            ]
            for r in earlier
        ],
        notes=output.history_notes([output.year_label(r.year) for r in earlier if r.history]),
    )
    budget = output.Table(
        "资金需求",
        ["总项目名称", "分项目", "项目建设内容", "金额（元）"],
        [
            [b["item"], b["sub_item"], b["content"], sites.yuan(b["amount"], grouped=True)]
            for b in plan["budget"]
        ]
        + [["合计", "", "", sites.yuan(plan["total"], grouped=True)]],
    )
    the_year = scope.in_year(plan["year"])
    target_rows = stats.targets(conn, scope=the_year)
    tables = [history, budget]
    if target_rows:
        tables.append(output.tables(stats.Figures(targets=target_rows))[-1])
    warnings = stats.guessed_warnings(conn, scope=the_year)
    if scope.grouped and stats.targets(conn, year=plan["year"]):
        warnings.append(TARGETS_NOTE)
    return {
        "title": f"{scope.words()}{plan['year']}年 1+X 证书制度试点项目建设实施方案",
        "plan": plan,
        "tables": tables,
        "teachers": _plan_teachers(conn, plan),
        "charts": [],
        "warnings": warnings,
    }


def _plan_teachers(conn: sqlite3.Connection, plan: dict) -> output.Table:
    """The plan's certificates' teachers by the end of its year (培训师, 考评员, 持证教师,
    as 人 and 人次), each certificate listed, with none yet as 0."""
    known = catalogue.Catalogue(conn)
    found = [(str(name), known.find(str(name))) for name in plan["certificates"]]
    ids = list(dict.fromkeys(cert.id for _, cert in found if cert is not None))
    rows, total = teacher_figures.teacher_counts(conn, year=plan["year"], certificates=ids)
    by_id = dict(zip(ids, rows, strict=True))
    listed = [  # each certificate once, however many of its names the plan writes
        by_id.pop(cert.id) if cert else TeacherCounts(name)
        for name, cert in found
        if cert is None or cert.id in by_id
    ]
    return output.teachers_table("师资情况", listed, total)
