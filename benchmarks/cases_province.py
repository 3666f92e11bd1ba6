"""The province's cases (issue 22): merging many schools' databases into one."""

from __future__ import annotations

from pathlib import Path

import datasets
from cases import Case, Plan, Sizes, Target, holds, remove_db, setup_run
from harness import XCERT, Command, exits

SCHOOL_STUDENTS, SCHOOL_RESULTS = 2_000, 5_000


def prepare_merge(sizes: Sizes, folder: Path) -> Plan:
    """`xcert merge` of every school into a province database removed before each run."""
    paths = datasets.school_dbs(sizes.schools, SCHOOL_STUDENTS, SCHOOL_RESULTS)
    province = folder / "province.db"
    subject = Command(
        [XCERT, "merge", *paths, "--into", province],
        folder,
        before=lambda: remove_db(province),
        checks=(exits(0), holds(province, "students", sizes.schools * SCHOOL_STUDENTS)),
    )
    size = f"{sizes.schools} schools × {SCHOOL_STUDENTS:,} students, {SCHOOL_RESULTS:,} results"
    return Plan(subject, None, size)


def prepare_stats_by_school(sizes: Sizes, folder: Path) -> Plan:
    """`xcert stats --by school` on the province those schools merge into (merged once,
    untimed): every school's row and the province's total, a person counted once."""
    paths = datasets.school_dbs(sizes.schools, SCHOOL_STUDENTS, SCHOOL_RESULTS)
    province = folder / "province-merged.db"
    remove_db(province)
    setup_run([XCERT, "merge", *paths, "--into", province], folder)
    subject = Command([XCERT, "--db", province, "stats", "--by", "school"], folder)
    return Plan(subject, None, f"{sizes.schools} schools × {SCHOOL_STUDENTS:,} students")


def province_cases() -> list[Case]:
    return [
        Case(
            "merge",
            "`xcert merge` of many schools into a new province database",
            Target(seconds=60.0, rss_mb=500.0),
            prepare_merge,
            group="province",
        ),
        Case(
            "stats-by-school",
            "`xcert stats --by school` on the merged province database",
            Target(seconds=1.0),
            prepare_stats_by_school,
            group="province",
        ),
    ]
