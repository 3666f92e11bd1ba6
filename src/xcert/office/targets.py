"""Yearly targets (绩效目标): "6 certificates, 300+ participants, pass rate over 90 %".

Set from a TOML file (`[[target]]` entries) or `xcert target set`; compared with the
actual figures in `stats.targets`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from xcert.clean.cells import text as folded
from xcert.errors import KeyProblems, XcertError
from xcert.model import FIRST_YEAR, LAST_YEAR
from xcert.store import writes


@dataclass
class Target:
    year: int
    participants: int | None = None
    pass_rate: float | None = None  # a fraction
    certificates: int | None = None


def pass_rate_value(value: object, where: str) -> float:
    """0.9, 90, "90%" or "90 %" (also typed full-width: ９０％) all mean 90 %; `where`
    (an option, a file's key) names it in the error."""
    try:
        return pass_rate_fraction(value)
    except ValueError as exc:
        raise XcertError(f"{where}：{exc}") from None


def pass_rate_fraction(value: object) -> float:
    """A pass rate as a fraction; ValueError saying what it should be."""
    if isinstance(value, str):
        value = folded(value).replace("％", "%")
    text = value.strip().rstrip("%").strip() if isinstance(value, str) else value
    try:
        number = float(text)  # type: ignore[arg-type]  # a TOML value of any type: refused below
    except (TypeError, ValueError):
        raise ValueError('应为比例（0.9）或百分数（"90%"）') from None
    if isinstance(value, str) and value.strip().endswith("%") or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise ValueError("应在 0–100% 之间")
    return round(number, 4)


def parse(path: Path, data: dict) -> list[Target]:
    """The `[[target]]` tables, or one XcertError listing every problem at its key."""
    problems = KeyProblems(path.name)
    entries = data.get("target", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.add("target", "应写成 [[target]] 表数组", entries)
        entries = []
    out: list[Target] = []
    seen: set[int] = set()
    for number, entry in enumerate(entries, 1):
        where = f"第{number}个 [[target]]"
        year = entry.get("year")
        if (
            not isinstance(year, int)
            or isinstance(year, bool)
            or not FIRST_YEAR <= year <= LAST_YEAR
        ):
            problems.add(f"{where} year", "应为年份，如 2022", year)
            continue
        if year in seen:
            problems.add(f"{where} year", "这一年的目标写了两次", year)
        seen.add(year)
        extra = set(entry) - {"year", "participants", "pass_rate", "certificates"}
        if extra:
            problems.add(where, f"不认识的键 {'、'.join(sorted(extra))}")
        target = Target(year)
        for key in ("participants", "certificates"):
            value = entry.get(key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                problems.add(f"{where} {key}", "应为非负整数", value)
                value = None
            setattr(target, key, value)
        if "pass_rate" in entry:
            try:
                target.pass_rate = pass_rate_fraction(entry["pass_rate"])
            except ValueError as exc:
                problems.add(f"{where} pass_rate", str(exc), entry["pass_rate"])
        out.append(target)
    problems.refuse()
    return out


def apply(
    conn: sqlite3.Connection, targets: list[Target], import_id: int | None
) -> tuple[int, int, int]:
    """Set each year's targets; what a file leaves out stays. Returns (added, updated, unchanged).
    In a province's database these are the province's own (no school): a merged school's
    targets are that school's, never changed here."""
    added = updated = unchanged = 0
    for target in targets:
        row = conn.execute(
            "SELECT participants, pass_rate, certificates FROM targets"
            " WHERE year = ? AND school_id IS NULL",
            (target.year,),
        ).fetchone()
        new = (target.participants, target.pass_rate, target.certificates)
        if row is None:
            conn.execute(
                "INSERT INTO targets (year, participants, pass_rate, certificates, updated_import)"
                " VALUES (?, ?, ?, ?, ?)",
                (target.year, *new, import_id),
            )
            added += 1
            continue
        merged = tuple(n if n is not None else old for n, old in zip(new, row, strict=True))
        if merged == tuple(row):
            unchanged += 1
            continue
        conn.execute(
            "UPDATE targets SET participants = ?, pass_rate = ?, certificates = ?,"
            " updated_import = ? WHERE year = ? AND school_id IS NULL",
            (*merged, import_id, target.year),
        )
        updated += 1
    return added, updated, unchanged


def set_target(conn: sqlite3.Connection, target: Target) -> str:
    """`xcert target set`: one year's targets as one write (a blank figure is kept as
    it was); 'added', 'updated' or 'unchanged'."""
    with writes.write(conn, "target", f"{target.year}年目标") as done:
        done.added, done.updated, _ = apply(conn, [target], done.id)
    return "added" if done.added else "updated" if done.updated else "unchanged"
