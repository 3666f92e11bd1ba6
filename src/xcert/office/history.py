"""Years before the database (SPEC 3): the site profile's `[[plan.history]]`, what a
school reported before it used xcert (seed 000: 2020, 390 candidates, 166 passed),
checked here and stored with the plan; figures/history.py reads it into tables 1 and 2.

A year (or cohort) has one source: the history, or imported data. An import that would
give one both (a site profile with a year the results already have, results of a year
the history already has, a roster of a cohort it has) is refused, naming both figures;
so is a plan whose history disagrees with another plan's.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from xcert.clean import cells as clean
from xcert.errors import KeyProblems, Problem, XcertError
from xcert.model import FIRST_YEAR, LAST_YEAR, WITHDRAWN_STATUSES

KEYS = ("year", "certificate", "participants", "passed", "cohort", "graduates", "certified")
_COHORT_KEYS = ("cohort", "graduates", "certified")


def parse(raw: object, problems: KeyProblems) -> list[dict]:
    """Every `[[plan.history]]` entry as stored: year, certificates (a list), participants,
    passed, and cohort, graduates, certified (None when not given); problems at their key."""
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        problems.add("[plan] history", "应写成 [[plan.history]] 表数组", raw)
        return []
    entries = []
    for number, table in enumerate(raw, 1):
        year = table.get("year")
        where = f"第{number}项 [[plan.history]]" + (f"（{year}年）" if _is_year(year) else "")
        entries.append(_entry(table, where, problems))
    _check_repeats(entries, problems)
    return entries


def _entry(table: dict, where: str, problems: KeyProblems) -> dict:
    extra = set(table) - set(KEYS)
    if extra:
        problems.add(where, f"不认识的键 {'、'.join(sorted(extra))}")
    if not _is_year(table.get("year")):
        problems.add(f"{where} year", "应为年份，如 2020", table.get("year"))
    entry = {
        "year": table.get("year"),
        "certificates": _certificates(table.get("certificate"), where, problems),
        "participants": _count(table, "participants", "考证人数", where, problems),
        "passed": _count(table, "passed", "通过人数", where, problems),
        "cohort": None,
        "graduates": None,
        "certified": None,
    }
    _at_most(entry, "passed", "participants", "考证人数", where, problems)
    given = [key for key in _COHORT_KEYS if key in table]
    if given and len(given) < len(_COHORT_KEYS):
        missing = "、".join(k for k in _COHORT_KEYS if k not in table)
        problems.add(where, f"写了 {'、'.join(given)} 就要同时写 {missing}（这一届的双证毕业情况）")
    elif given:
        if not _is_year(table["cohort"]):
            problems.add(f"{where} cohort", "应为届别（毕业年份），如 2021", table["cohort"])
        entry["cohort"] = table["cohort"]
        entry["graduates"] = _count(table, "graduates", "毕业生人数", where, problems)
        entry["certified"] = _count(table, "certified", "获得技能证人数", where, problems)
        _at_most(entry, "certified", "graduates", "毕业生人数", where, problems)
    return entry


def _is_year(value: object) -> bool:
    return type(value) is int and FIRST_YEAR <= value <= LAST_YEAR


def _count(table: dict, key: str, what: str, where: str, problems: KeyProblems) -> int:
    value = table.get(key)
    if value is None:
        problems.add(f"{where} {key}", f"缺少这一项（{what}）")
        return 0
    if type(value) is not int or value < 0:
        problems.add(f"{where} {key}", f"应为非负整数（{what}）", value)
        return 0
    return value


def _at_most(entry: dict, part: str, whole: str, what: str, where: str, problems) -> None:
    if entry[part] > entry[whole]:
        problems.add(f"{where} {part}", f"比{what}（{entry[whole]}）还多", entry[part])


def _certificates(value: object, where: str, problems: KeyProblems) -> list[str]:
    """The certificate, or the list of them the year's figures cover (as the seed's
    2020: five certificates, 390 candidates in all)."""
    names = value if isinstance(value, list) else [value]
    texts = [clean.prose(name) for name in names if isinstance(name, str)]
    if value is None:
        problems.add(f"{where} certificate", "缺少这一项（试点证书名称，几种证书写成列表）")
    elif len(texts) != len(names) or not all(texts):
        problems.add(f"{where} certificate", '应为证书名称，或名称的列表，如 ["幼儿照护"]', value)
    return [t for t in texts if t]


def _check_repeats(entries: list[dict], problems: KeyProblems) -> None:
    """A certificate's year, or a cohort, given twice in one plan."""
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        keys = [f"{entry['year']}年的「{name}」" for name in entry["certificates"]]
        keys += [f"{entry['cohort']}届"] if entry["cohort"] is not None else []
        for what in keys:
            if what in seen:
                problems.add(f"第{number}项 [[plan.history]]", f"{what}已在第{seen[what]}项写过")
            seen.setdefault(what, number)


@dataclass(frozen=True)
class _Stated:
    """What one plan's history says of a year (1+X candidates, passed) or a cohort."""

    plan: int
    numbers: tuple[int, int]


def clashes(conn: sqlite3.Connection, file: str) -> list[Problem]:
    """Each year or cohort with two sources: two plans' histories that disagree, or the
    history and imported data. Empty (at once) when no plan has a history."""
    years: dict[int, list[_Stated]] = {}
    cohorts: dict[int, list[_Stated]] = {}
    for plan_year, data in conn.execute(
        "SELECT year, data FROM plans WHERE json_valid(data)"
        " AND json_type(data, '$.history') = 'array' ORDER BY year"
    ):
        mine: dict[int, list[int]] = {}
        for entry in json.loads(data)["history"]:
            sums = mine.setdefault(entry["year"], [0, 0])
            sums[0], sums[1] = sums[0] + entry["participants"], sums[1] + entry["passed"]
            if entry.get("cohort") is not None:
                stated = _Stated(plan_year, (entry["graduates"], entry["certified"]))
                cohorts.setdefault(entry["cohort"], []).append(stated)
        for year, (tested, passed) in mine.items():
            years.setdefault(year, []).append(_Stated(plan_year, (tested, passed)))
    if not years:
        return []
    out = _disagreeing(file, years, "年", "考证{}人，通过{}人")
    out += _disagreeing(file, cohorts, "届", "毕业生{}人，获得技能证{}人")
    out += _imported(conn, file, years, cohorts)
    return out


def _disagreeing(file: str, stated: dict[int, list[_Stated]], unit: str, form: str) -> list:
    out = []
    for key, said in sorted(stated.items()):
        other = next((s for s in said[1:] if s.numbers != said[0].numbers), None)
        if other is not None:
            out.append(
                Problem(
                    file,
                    f"{key}{unit}的历史数据在{said[0].plan}年的实施方案里是"
                    f"{form.format(*said[0].numbers)}，在{other.plan}年的实施方案里是"
                    f"{form.format(*other.numbers)}；同一{unit}只能有一组数字，请改成一致后重新导入",
                    key=f"[[plan.history]] {key}{unit}",
                )
            )
    return out


_WITHDRAWN = ", ".join(f"'{status}'" for status in sorted(WITHDRAWN_STATUSES))


def _imported(
    conn: sqlite3.Connection,
    file: str,
    years: dict[int, list[_Stated]],
    cohorts: dict[int, list[_Stated]],
) -> list[Problem]:
    """History years the results also have (table 1: 1+X results, by the session's
    year), and history cohorts the roster also has (table 2: students not withdrawn),
    as figures/stats.py counts them."""
    marks = ", ".join("?" * len(years))
    found = conn.execute(
        "SELECT CAST(substr(se.date_start, 1, 4) AS INTEGER) AS year,"
        " sum(r.outcome IN ('pass', 'fail')), sum(r.outcome = 'pass')"
        " FROM sessions se JOIN certificates c ON c.id = se.certificate_id AND c.kind = '1+X'"
        " JOIN results r ON r.session_id = se.id"
        f" WHERE CAST(substr(se.date_start, 1, 4) AS INTEGER) IN ({marks}) GROUP BY year",
        list(years),
    ).fetchall()
    out = [
        _both(
            file,
            f"{year}年",
            years[year][0].numbers,
            (tested, passed),
            "考证{}人，通过{}人",
            "成绩",
        )
        for year, tested, passed in found
    ]
    if cohorts:
        marks = ", ".join("?" * len(cohorts))
        found = conn.execute(
            "SELECT cohort, count(*),"  # certified: figures/stats.py's _CERTIFIED
            " sum(first_certified IS NOT NULL AND first_certified <= cohort) FROM students"
            f" WHERE cohort IN ({marks}) AND status NOT IN ({_WITHDRAWN}) GROUP BY cohort",
            list(cohorts),
        ).fetchall()
        out += [
            _both(
                file, f"{c}届", cohorts[c][0].numbers, (g, k), "毕业生{}人，获得技能证{}人", "学生"
            )
            for c, g, k in found
        ]
    return out


def _both(
    file: str, what: str, by_hand: tuple[int, int], imported: tuple[int, int], form: str, kind: str
) -> Problem:
    return Problem(
        file,
        f"{what}既有考点资料里手工录入的历史数据（{form.format(*by_hand)}），"
        f"又有导入的{kind}（{form.format(*imported)}）；同一{what[-1]}的数字只能有一个来源："
        f"删去 [[plan.history]] 里的{what}后重新导入考点资料，或不导入{what}的{kind}",
    )


def clash_reasons(conn: sqlite3.Connection) -> set[str]:
    """The clashes there are already, to tell a write's new ones from them."""
    return {problem.reason for problem in clashes(conn, "")}


def refuse_new_clashes(conn: sqlite3.Connection, file: str | None, before: set[str]) -> None:
    """Refuse the write in progress (all of it: nothing is written) if it gave a year or
    cohort a second source; `file` names the file it imported, None a hand write."""
    new = [p for p in clashes(conn, file or "") if p.reason not in before]
    if not new:
        return
    if file is None:
        raise XcertError(new[0].reason)
    raise XcertError(
        f"{file}：{len(new)}处年份或届别的数字会有两个来源，没有写入任何数据；改正后重新导入",
        problems=new,
    )
