"""The implementation plan (实施方案) of a year, laid out as seed 000's: the school above
the document number and the title with its funding source, the school's own sections
(一、项目建设的必要性 …) with xcert's parts where the profile shows them (history,
budget, equipment, teachers, targets), and the school and date to sign under it.

A plan looks forward: its targets are goals (不少于30人), never judged; what was reached
against them is the self-assessment's (`render self-assessment`).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from xcert.figures import stats
from xcert.figures import teachers as teacher_figures
from xcert.figures.scope import TARGETS_NOTE, Scope
from xcert.figures.teachers import TeacherCounts
from xcert.office import catalogue, plans, sites
from xcert.office.plans import yuan
from xcert.output import prose
from xcert.output import tables as output
from xcert.output.reports.forms import sign_date
from xcert.output.tables import chinese_number

TEACHERS_NOTE = "人：教师人数；人次：每名教师每种证书每个等级的角色各算一次。"


@dataclass(frozen=True)
class Part:
    """One of xcert's own parts of a plan: a sentence, or a table and a note under it."""

    name: str  # a key of plans.PARTS
    title: str
    table: output.Table | None = None
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered section: the school's text, then the parts it shows. `own`: written by
    the school (its tables then carry their titles as captions), not added by xcert."""

    number: str
    title: str
    blocks: list[prose.Block] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    own: bool = True


def plan(conn: sqlite3.Connection, *, year: int | None, scope: Scope, **_: object) -> dict:
    """The plan of `year`; its history of earlier years limited to `scope` (its groups,
    and its span: `--from`, `--to`), and its targets the school's, left out for a group."""
    plan = sites.plan(conn, year)
    the_year = scope.in_year(plan["year"])
    parts = _parts(conn, plan, scope)
    warnings = stats.guessed_warnings(conn, scope=the_year)
    if scope.grouped and stats.targets(conn, year=plan["year"]):
        warnings.append(TARGETS_NOTE)
    funding = plan.get("funding", "")
    return {
        "title": f"{scope.words()}{plan['year']}年{funding} 1+X 证书制度试点项目建设实施方案",
        "plan": plan,
        "number": plan.get("number", ""),
        "sections": _sections(plan, parts),
        "signed_on": sign_date(plan.get("date")),
        "tables": [part.table for part in parts.values() if part.table is not None],
        "charts": [],
        "warnings": warnings,
    }


def _sections(plan: dict, parts: dict[str, Part]) -> list[Section]:
    """The school's sections in its order, each with the parts it shows; then each part
    no section shows, as a section of its own (an older profile's plan: all of them)."""
    shown = {name for section in plan.get("sections", []) for name in section["show"]}
    written = [
        Section(
            "", s["title"], prose.blocks(s["text"]), [parts[n] for n in s["show"] if n in parts]
        )
        for s in plan.get("sections", [])
    ]
    added = [Section("", p.title, [], [p], own=False) for n, p in parts.items() if n not in shown]
    return [
        replace(section, number=chinese_number(number))
        for number, section in enumerate(written + added, 1)
    ]


def _parts(conn: sqlite3.Connection, plan: dict, scope: Scope) -> dict[str, Part]:
    """Each part the plan has, in the order of plans.PARTS: the certificates only if it
    names some, the budget and equipment only if it lists them, the targets only if the
    year has some (and the plan is the whole school's)."""
    makers: dict[str, Callable[[], Part | None]] = {
        "certificates": lambda: _certificates(plan),
        "history": lambda: Part("history", plans.PARTS["history"], _history(conn, plan, scope)),
        "budget": lambda: _budget(plan),
        "equipment": lambda: _equipment(plan),
        "teachers": lambda: _teachers(conn, plan),
        "targets": lambda: _goals(conn, plan["year"], scope),
    }
    made = {name: makers[name]() for name in plans.PARTS}
    return {name: part for name, part in made.items() if part is not None}


def _certificates(plan: dict) -> Part | None:
    names = plan["certificates"]
    if not names:
        return None
    text = f"{plan['year']}年申报{len(names)}个 1+X 证书试点：{'、'.join(names)}。"
    return Part("certificates", plans.PARTS["certificates"], text=text)


def _history(conn: sqlite3.Connection, plan: dict, scope: Scope) -> output.Table:
    """The years before the plan's: certificates piloted, tested, passed, pass rate."""
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
    return output.Table(
        plans.PARTS["history"],
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


def _budget(plan: dict) -> Part | None:
    """The budget as seed 000 draws it: each 总项目名称 merged over its rows with its sum,
    each 分项目 likewise (1+X 证书考核设备设施（334,000元）), then the total."""
    items = plan["budget"]
    if not items:
        return None
    by_item: dict[str, float] = defaultdict(float)
    by_sub: dict[tuple[str, str], float] = defaultdict(float)
    for b in items:
        by_item[b["item"]] += b["amount"]
        by_sub[b["item"], b["sub_item"]] += b["amount"]

    def summed(name: str, amount: float) -> str:
        return f"{name}（{yuan(amount, grouped=True)}元）" if name else ""

    rows: list[list[object]] = [
        [
            summed(b["item"], by_item[b["item"]]),
            summed(b["sub_item"], by_sub[b["item"], b["sub_item"]]),
            b["content"],
            yuan(b["amount"], grouped=True),
        ]
        for b in items
    ]
    rows.append(["合计", "", "", yuan(plan["total"], grouped=True)])
    table = output.Table(
        plans.PARTS["budget"],
        ["总项目名称", "分项目", "项目建设内容", "金额（元）"],
        rows,
        wrap=(1, 2, 3),
        merged=(1, 2),
    )
    return Part("budget", table.title, table)


def _equipment(plan: dict) -> Part | None:
    """The equipment to buy: one row per item, its amount quantity × price, the total."""
    items = plan.get("equipment") or []
    if not items:
        return None
    notes = any(e["note"] for e in items)
    header = ["序号", "设备名称", "规格参数", "数量", "单位", "单价（元）", "金额（元）"]
    rows: list[list[object]] = [
        [
            number,
            e["name"],
            e["spec"],
            e["quantity"],
            e["unit"],
            yuan(e["price"], grouped=True),
            yuan(e["amount"], grouped=True),
            *([e["note"]] if notes else []),
        ]
        for number, e in enumerate(items, 1)
    ]
    total = round(sum(e["amount"] for e in items), 2)
    rows.append(["合计", "", "", "", "", "", yuan(total, grouped=True), *([""] if notes else [])])
    table = output.Table(
        plans.PARTS["equipment"],
        header + (["备注"] if notes else []),
        rows,
        wrap=(3, 8) if notes else (3,),
    )
    return Part("equipment", table.title, table)


def _teachers(conn: sqlite3.Connection, plan: dict) -> Part | None:
    """The plan's certificates' teachers by the end of its year (培训师, 考评员, 持证教师,
    as 人 and 人次), each certificate listed, with none yet as 0."""
    if not plan["certificates"]:
        return None
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
    table = output.teachers_table(plans.PARTS["teachers"], listed, total)
    table.wrap = (1,)
    return Part("teachers", table.title, table, note=TEACHERS_NOTE)


def _goals(conn: sqlite3.Connection, year: int, scope: Scope) -> Part | None:
    """The year's targets as goals (不少于30人, 不低于90.0%): what the plan sets out to
    reach, never judged (the school's; none for a group)."""
    found = stats.targets(conn, scope=scope.in_year(year))
    if not found:
        return None
    t = found[0]
    rows: list[list[object]] = []
    if t.participants_target is not None:
        rows.append(["1+X 考证人数", f"不少于{t.participants_target}人"])
    if t.pass_rate_target is not None:
        rows.append(["1+X 证书通过率", f"不低于{stats.format_percent(t.pass_rate_target)}"])
    if t.certificates_target is not None:
        rows.append(["1+X 证书试点数", f"不少于{t.certificates_target}种"])
    if not rows:
        return None
    table = output.Table(plans.PARTS["targets"], ["指标", "目标"], rows)
    return Part("targets", table.title, table)
