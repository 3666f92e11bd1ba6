"""The nightly summary (SPEC 6.6): what changed since the last one, the year so far
against its targets, certificates nobody signed for, upcoming sessions, and what in
the data needs a clerk's attention. Written for cron: the same data gives the same
bytes (no clock in the text but the day it is for), and it remembers when it last ran.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xcert.clean.dates import shown
from xcert.errors import XcertError
from xcert.figures import stats
from xcert.office import catalogue, check, graduate, sessions
from xcert.outfiles import check_target, signed_text
from xcert.output import sandbox, word_reports
from xcert.output import tables as output
from xcert.store import journal, snapshot
from xcert.store.connect import is_province, transaction

FORMATS = ("md", "html", "docx")
_LAST_RUN = "summary_last_run"
_RELATIVE = re.compile(r"^(\d{1,4})\s*([hd])$", re.IGNORECASE)
# A term starts on 1 February (spring) or 1 August (autumn): a roster not imported
# since then was not updated this term.
TERM_STARTS = ((2, 1), (8, 1))


@dataclass(frozen=True)
class Window:
    """The writes a summary reports: started at `since` or later, up to `until`."""

    since: dt.datetime
    until: dt.datetime
    day: dt.date


def parse_since(text: str, until: dt.datetime) -> dt.datetime:
    """`24h`, `7d`, a date (`2026-11-24`, from its midnight) or a date and time."""
    cleaned = text.strip()
    relative = _RELATIVE.match(cleaned)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        return until - (dt.timedelta(hours=amount) if unit == "h" else dt.timedelta(days=amount))
        # (at most 9999 days: the pattern allows four digits)
    try:
        moment = dt.datetime.fromisoformat(cleaned.replace(" ", "T", 1))
        if moment.tzinfo is None:
            return moment
    except ValueError:
        pass
    raise XcertError(
        f"--since「{text}」看不懂；可写 24h、7d、2026-11-24 或 2026-11-24T08:00（本地时间，不带时区）"
    )


def _until(day: dt.date, now: dt.datetime) -> dt.datetime:
    """Where a summary for `day` ends: the end of that day, or now if that is earlier."""
    return min(now, dt.datetime.combine(day, dt.time.max))


def check_dates(since: str | None, day: dt.date | None, now: dt.datetime) -> None:
    """What cannot be true of `--date` and `--since`, before anything is read or
    remembered: a day still to come, a start in the future or after the day's end."""
    if day is not None and day > now.date():
        raise XcertError(
            f"--date「{day.isoformat()}」还没到（今天是 {shown(now.date().isoformat())}）；"
            "日报只能写今天或以前的某一天"
        )
    if since is None:
        return
    until = _until(day or now.date(), now)
    start = parse_since(since, until)
    if start > now:
        raise XcertError(
            f"--since「{since}」是将来的时间（现在是 {now:%Y-%m-%d %H:%M}）；"
            "日报只能报告已经发生的写入"
        )
    if start > until:
        raise XcertError(
            f"--since「{since}」晚于 {until.date().isoformat()} 这天日报的结束；"
            "起点要早于所写的那一天结束"
        )


def window(
    conn: sqlite3.Connection, *, since: str | None, day: dt.date | None, now: dt.datetime
) -> Window:
    """Since the last summary unless told; a second run for the same day reuses that
    day's start, so it writes the same file when nothing changed. (A run with `since`,
    or for a day before the last summary's, is a one-off that `remember` skips: the
    nightly summaries go on where the last nightly one ended.)"""
    asked_day = day is not None and day < now.date()
    day = day or now.date()
    until = _until(day, now)  # a day's summary ends with it
    if since is not None:
        return Window(parse_since(since, until), until, day)
    last = last_run(conn)
    if last is not None:
        if last["day"] == day.isoformat():
            return Window(dt.datetime.fromisoformat(last["since"]), until, day)
        earlier = dt.datetime.fromisoformat(last["until"])
        if earlier < until:
            return Window(earlier, until, day)
    if asked_day:  # an earlier day's summary: that whole day
        return Window(dt.datetime.combine(day, dt.time.min), until, day)
    return Window(until - dt.timedelta(hours=24), until, day)


def last_run(conn: sqlite3.Connection) -> dict | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_LAST_RUN,)).fetchone()
    return json.loads(row[0]) if row else None


def remember(conn: sqlite3.Connection, span: Window) -> None:
    """Kept in `meta`, which is not data: the data version (and so the figures) stay.
    A summary of an earlier day than the last one (filling a gap) is not remembered."""
    last = last_run(conn)
    if last is not None and span.day.isoformat() < last["day"]:
        return

    value = json.dumps(
        {
            "day": span.day.isoformat(),
            "since": span.since.isoformat(timespec="seconds"),
            "until": span.until.isoformat(timespec="seconds"),
        }
    )
    with transaction(conn):
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_LAST_RUN, value),
        )


def build(
    conn: sqlite3.Connection,
    span: Window,
    *,
    readers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> dict:
    """The summary's context: titled tables and lines, all text already formatted. Its
    sections read from one snapshot, side by side on `readers` more connections
    (`snapshot.together`: by default one per further core, while this thread does
    `meanwhile` first)."""
    year = span.day.year
    since = span.since.isoformat(sep=" ", timespec="minutes")
    counters = check.counters(today=span.day)
    parts = list(counters)
    jobs: dict[str, snapshot.Job] = {  # the slowest first: shared out in this order
        "covered_passes": counters.pop("covered_passes"),
        "unsigned": _unsigned,
        "stale": functools.partial(_stale_classes, day=span.day),
        "passes": counters.pop("passes"),
        # the year's tables but the dual-certificate one (not in the summary)
        "figures": functools.partial(stats.figures, year=year, on=span.day, dual=False),
        "overdue": functools.partial(_overdue, day=span.day),
        **counters,
        "writes": functools.partial(_writes, span=span),
        "upcoming": functools.partial(_upcoming, day=span.day),
        "no_cohort": _no_cohort,
        "guessed": _guessed,
    }
    found = snapshot.together(conn, list(jobs.values()), readers, meanwhile)
    done = dict(zip(jobs, found, strict=True))
    writes, new_records = done["writes"]
    figures = done["figures"]
    year_tables = output.tables(figures)
    year_table = year_tables[0]
    year_table.title = f"{year}年至今 1+X 考证"
    quality = [line for key in ("no_cohort", "overdue", "guessed", "stale") for line in done[key]]
    if is_province(conn):
        quality = [_for_schools(line) for line in quality]
    sections = [
        (f"自 {since} 以来的写入", [writes], new_records),
        (f"{year}年进度", [year_table, *year_tables[2:]], []),
        ("已发未签领的证书（按班级）", [done["unsigned"]], []),
        (f"{shown(span.day.isoformat())} 起的考试安排", [done["upcoming"]], []),
        ("报名、成绩与证书核对", [_reconciliation(check.tally({k: done[k] for k in parts}))], []),
        ("数据提醒", [], quality or ["没有需要处理的数据问题。"]),
    ]
    return {
        "title": f"1+X 证书工作日报（{shown(span.day.isoformat())}）",
        "since": since,
        "sections": sections,
        "tables": [t for _, tables, _ in sections for t in tables],
        "charts": [],
        "warnings": figures.warnings,
    }


def _writes(conn: sqlite3.Connection, *, span: Window) -> tuple[output.Table, list[str]]:
    rows = conn.execute(
        "SELECT id, started_at, kind, file_name, rows_added, rows_updated, rows_rejected,"
        " undone_by FROM imports WHERE started_at >= ? AND started_at <= ? ORDER BY id",
        (
            span.since.isoformat(timespec="seconds"),
            span.until.isoformat(timespec="seconds"),
        ),
    ).fetchall()
    table = output.Table(
        "写入记录",
        ["编号", "时间", "操作", "文件或内容", "新增", "更新", "拒绝"],
        [
            [
                str(wid),
                started.replace("T", " ")[:16],
                journal.write_label(kind) + (f"（已被第{undone}次撤销）" if undone else ""),
                name,
                str(added),
                str(updated),
                str(rejected),
            ]
            for wid, started, kind, name, added, updated, rejected, undone in rows
        ],
        wrap=(4,),  # the file or what was written: long, may wrap
    )
    ids = [r[0] for r in rows if r[7] is None]
    lines = []
    if ids:
        marks = ", ".join("?" * len(ids))
        # counted in the write's index first, and each outcome summed, not grouped:
        # grouping by outcome walks the whole outcome index when the planner cannot tell
        # how few rows a write added
        new_results = conn.execute(
            f"SELECT count(*) FROM results WHERE created_import IN ({marks})", ids
        ).fetchone()[0]
        passed = failed = absent = 0
        if new_results:
            passed, failed, absent = conn.execute(
                "SELECT sum(outcome = 'pass'), sum(outcome = 'fail'),"
                f" sum(outcome = 'absent') FROM results WHERE created_import IN ({marks})",
                ids,
            ).fetchone()
        awards = conn.execute(
            f"SELECT count(*) FROM awards WHERE created_import IN ({marks})", ids
        ).fetchone()[0]
        students = conn.execute(
            f"SELECT count(*) FROM students WHERE created_import IN ({marks})", ids
        ).fetchone()[0]
        lines.append(
            f"新增学生{students}人；新增考试成绩{new_results}条"
            f"（合格{passed}，不合格{failed}，缺考{absent}）；新增证书{awards}本。"
        )
    return table, lines


def _unsigned(conn: sqlite3.Connection) -> output.Table:
    """Per class, the awards nobody signed for and their certificates' names. Counted per
    class and certificate, the names looked up after: an award's certificate exists
    (foreign keys), and joining it to every award cost a tenth of the query."""
    names = dict(conn.execute("SELECT id, name FROM certificates"))
    per_class: dict[str | None, tuple[int, set[str]]] = {}
    for klass, certificate, n in conn.execute(
        "SELECT s.class_code, a.certificate_id, count(*) FROM awards a"
        " CROSS JOIN students s ON s.id = a.student_id WHERE a.signed_by IS NULL"
        " GROUP BY s.class_code, a.certificate_id ORDER BY s.class_code"
    ):
        count, certificates = per_class.get(klass, (0, set()))
        per_class[klass] = (count + n, certificates | {names[certificate]})
    return output.Table(
        "已发未签领的证书",
        ["班级", "未签领（本）", "证书"],
        [
            ["（未填班级）" if klass is None else klass, str(n), "、".join(sorted(certificates))]
            for klass, (n, certificates) in per_class.items()
        ],
    )


def _upcoming(conn: sqlite3.Connection, *, day: dt.date) -> output.Table:
    return output.Table(
        "考试安排",
        ["日期", "证书", "等级", "考点", "已报名（人）", "容量（人）"],
        [
            [
                s.date or "",
                s.certificate,
                s.level or "",
                s.site or "",
                str(s.registered),
                "不限" if s.capacity is None else str(s.capacity),
            ]
            for s in sessions.listing(conn, upcoming_from=day.isoformat())
        ],
    )


def _reconciliation(counted: dict[str, int]) -> output.Table:
    """Each category's count, as `check.counts` gives them."""
    return output.Table(
        "报名、成绩与证书核对（xcert check 列出名单）",
        ["项目", "数量"],
        [[check.CATEGORIES[key], str(n)] for key, n in counted.items()],
    )


def _for_schools(line: str) -> str:
    """A reminder in a province's summary: what is found stays, the remedy is the
    schools' (a province's file takes only merges)."""
    found = line.split("；", 1)[0]
    return f"{found}；请相关学校在自己的数据库里核对处理后，重新交来合并"


def _no_cohort(conn: sqlite3.Connection) -> list[str]:
    no_cohort = conn.execute(
        "SELECT count(*) FROM students WHERE cohort IS NULL AND status = 'enrolled'"
    ).fetchone()[0]
    if not no_cohort:
        return []
    return [
        f"{no_cohort}名在读学生没有届别，双证毕业率不会统计他们；"
        "请在花名册里补上届别、入学年份或班级"
    ]


def _overdue(conn: sqlite3.Connection, *, day: dt.date) -> list[str]:
    return [
        f"{cohort}届已于 {shown(graduated_on.isoformat())} 毕业，仍有{enrolled}名学生的学籍状态是在读；"
        f"核对后运行 xcert graduate --cohort {cohort} 把他们改为毕业"
        for cohort, graduated_on, enrolled in graduate.overdue(conn, day)
    ]


def _guessed(conn: sqlite3.Connection) -> list[str]:
    guessed = _guessed_kinds(conn)
    if not guessed:
        return []
    return [
        "这些证书不在证书目录里，类型是按名称推测的，1+X 考证人数和通过率按推测计算："
        + "、".join(guessed)
        + "；请在证书目录文件里写明它们的 kind 后导入（xcert import 证书目录.toml），"
        "用 xcert certs 核对"
    ]


def _stale_classes(conn: sqlite3.Connection, *, day: dt.date) -> list[str]:
    term = term_start(day)
    stale = [
        klass
        for (klass,) in conn.execute(
            "SELECT s.class_code FROM students s"
            " JOIN imports i ON i.id = coalesce(s.updated_import, s.created_import)"
            " WHERE s.status = 'enrolled' AND s.class_code IS NOT NULL"
            " GROUP BY s.class_code HAVING max(i.started_at) < ? ORDER BY s.class_code",
            (term.isoformat(),),
        )
    ]
    if not stale:
        return []
    return [
        f"这些班级有在读学生，但本学期（{shown(term.isoformat())} 起）没有导入过他们花名册的改动，"
        "学籍状态可能已过时：" + "、".join(stale)
    ]


def _guessed_kinds(conn: sqlite3.Connection) -> list[str]:
    """Every certificate whose kind was guessed, with the guess (SPEC 2: a figure built on
    a guess says so), as `xcert certs` marks them: 数控技术工程师（推测为其他证书）."""
    return [
        f"{cert.name}（推测为{' 1+X 证书' if cert.kind == '1+X' else '其他证书'}）"
        for cert in sorted(catalogue.Catalogue(conn).all(), key=lambda c: c.name)
        if cert.kind_guessed
    ]


def term_start(day: dt.date) -> dt.date:
    starts = [dt.date(day.year, m, d) for m, d in TERM_STARTS if dt.date(day.year, m, d) <= day]
    if starts:
        return max(starts)
    month, date = TERM_STARTS[-1]
    return dt.date(day.year - 1, month, date)


def write(
    conn: sqlite3.Connection,
    span: Window,
    output_dir: Path,
    formats: list[str],
    templates: Path | None = None,
    *,
    remember_run: bool = True,
) -> list[Path]:
    """Render and write summary-DAY.md / .html (each file replaced whole, never half
    written), then remember the run."""
    if not output_dir.is_dir():
        raise XcertError(f"输出文件夹「{output_dir}」不存在")
    written = []
    paths = {fmt: output_dir / f"summary-{span.day.isoformat()}.{fmt}" for fmt in formats}
    for path in paths.values():  # an earlier summary of the day is replaced, nothing else
        check_target(path, option="日报", database=None)
    context = build(conn, span, meanwhile=functools.partial(_load_templates, formats, templates))
    for fmt, path in paths.items():
        part = path.with_name(path.name + ".part")
        try:
            if fmt == "docx":
                word_reports.document(
                    "summary", dict(context), sandbox.heading(conn, span.day), templates=templates
                ).save(part)
            else:
                text = sandbox.render_template(
                    conn, f"summary.{fmt}", dict(context), templates=templates, date=span.day
                )
                part.write_text(signed_text(text), encoding="utf-8")
            part.replace(path)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise XcertError(f"无法写入 {path}：{exc.strerror or exc}") from None
        written.append(path)
    if remember_run:
        remember(conn, span)
    return written


# What summary.html extends and includes, compiled with it
_HTML_PARTS = ("summary.html", "base.html", "table.html")


def _load_templates(formats: list[str], templates: Path | None) -> None:
    """Jinja and the templates compiled while the readers count (`build`)."""
    names = [
        *(["summary.md"] if "md" in formats else []),
        *(_HTML_PARTS if "html" in formats else ()),
    ]
    if not names:  # Word only: no Jinja
        return
    try:
        env = sandbox.environment(templates)
        for name in names:
            env.get_template(name)
    except Exception:  # a template's mistake is reported in one line as it renders
        return


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    wrong = [f for f in formats if f not in FORMATS]
    if wrong or not formats:
        raise XcertError(
            f"--format 可写 md、html、docx 或几种用逗号隔开（如 md,html），不是「{text}」"
        )
    return list(dict.fromkeys(formats))
