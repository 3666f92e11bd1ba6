"""The scope options of `stats` and `render` (SPEC 3, "Scope"): --major, --department,
--class, --from, --to, and --school in a province's database (SPEC 6.8). A name that
means no group, or several, is a usage mistake (exit 2) naming the candidates; a school
that is not there, or --school in a school's own database, is refused (exit 1)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from xcert.figures.scope import Scope

Major = Annotated[
    str | None, typer.Option("--major", help="只统计这个专业的学生（全名，或开头几个字）")
]
Department = Annotated[
    str | None, typer.Option("--department", help="只统计这个系部的学生（全名，或开头几个字）")
]
School = Annotated[
    str | None,
    typer.Option(
        "--school", help="只统计这所学校（省级汇总数据库：学校名称、开头几个字或学校代码）"
    ),
]
First = Annotated[int | None, typer.Option("--from", help="从这一年起（含）：考证年份，和届别")]
Last = Annotated[int | None, typer.Option("--to", help="到这一年止（含）：考证年份，和届别")]


def check_years(**given: int | None) -> None:
    """Every year or cohort option given is a year xcert can hold (2000 to 2100): a
    mistyped `--cohort 20023` is a usage mistake, not a figure of nothing."""
    from xcert.model import FIRST_YEAR, LAST_YEAR

    for option, value in given.items():
        if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
            what = "届别" if option == "--cohort" else "年份"
            raise typer.BadParameter(f"{value} 不是合理的{what}", param_hint=option)


def check_span(first: int | None, last: int | None, **alone: int | None) -> None:
    """--from and --to: years, in order, and not with an option that names one year
    already (`alone`: option → value, e.g. {"--year": 2023}); each a year xcert holds."""
    check_years(**{"--from": first, "--to": last}, **alone)
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--from {first} 在 --to {last} 之后", param_hint="--from")
    given = "--from" if first is not None else "--to" if last is not None else None
    for option, value in alone.items():
        if given and value is not None:
            raise typer.BadParameter(
                f"{option} 和 {given} 不能同时用（{option} Y 就是 --from Y --to Y）",
                param_hint=option,
            )


def scope(
    conn: sqlite3.Connection,
    *,
    major: str | None = None,
    department: str | None = None,
    class_code: str | None = None,
    first: int | None = None,
    last: int | None = None,
    school: str | None = None,
) -> Scope:
    """The scope the options name; a usage mistake (the connection closed) when a name
    does not name one group, an XcertError when it names no school of a province."""
    from xcert.errors import XcertError
    from xcert.figures.scope import Group, Scope, Span

    province = conn.execute("SELECT count(*) FROM schools").fetchone()[0]
    found: list[Group] = []
    one = None
    if school is not None:
        from xcert.office import schools  # only for a school named

        try:
            one = schools.match(conn, school)
        except XcertError:
            conn.close()
            raise
        found.append(Group("school", one.name, (str(one.id),)))
    wanted = (("department", department, "--department"), ("major", major, "--major"))
    for kind, typed, option in (*wanted, ("class", class_code, "--class")):
        if typed is None:
            continue
        from xcert.office import groups  # only for a group named: the catalogue's rules

        try:
            spellings = groups.match(conn, kind, typed, one.id if one else None)
        except XcertError as exc:
            conn.close()
            raise typer.BadParameter(exc.reason, param_hint=option) from None
        found.append(Group(kind, spellings[0], spellings))
    return Scope(tuple(found), Span(first, last), province)
