"""A session's rounds of selection (SPEC 6.4): one selection and one retest, the retest
after the first and like it (its groups, quota and tie rule, as the first's write-log
options keep them), ranking a second test's file, never the first's again.
"""

from __future__ import annotations

import json
import sqlite3

from xcert.errors import XcertError
from xcert.office import sessions, ties


def check_round(
    conn: sqlite3.Connection, session: sessions.Session, round_: int, rule: dict
) -> None:
    """One selection and one retest per session; a retest after, and like, the first
    (its groups, quota and tie rule)."""
    rounds = {
        r
        for (r,) in conn.execute(
            "SELECT DISTINCT round FROM selections WHERE session_id = ?", (session.id,)
        )
    }
    if round_ in rounds:
        what = "第二次选拔" if round_ == 2 else "选拔"
        raise XcertError(
            f"{session.label} 已做过{what}；要重做，先用 xcert log 找到那次写入，xcert undo 撤销它"
        )
    if round_ == 2 and 1 not in rounds:
        raise XcertError(f"{session.label} 还没有做过第一次选拔，--retest 无从补选")
    if round_ == 2:  # the second test fills the first one's places: the same groups and quota
        first = first_rule(conn, session.id)
        if first is not None and first != rule:
            raise XcertError(
                "第二次选拔要用第一次的分组、名额和同分规则"
                f"（--group {first['group']} --quota {first['quota']} --ties {first['ties']}）"
            )


def check_second_file(
    conn: sqlite3.Connection, session: sessions.Session, name: str, sha256: str
) -> None:
    """A retest ranks a second test: the first test's file again (the same SHA-256) is
    refused, naming the selection that used it."""
    first = conn.execute(
        "SELECT i.id, i.file_name, i.started_at FROM selections s"
        " JOIN imports i ON i.id = s.created_import"
        " WHERE s.session_id = ? AND s.round = 1 AND i.sha256 = ? LIMIT 1",
        (session.id, sha256),
    ).fetchone()
    if first is not None:
        write_id, first_name, started = first
        raise XcertError(
            f"{name} 与第一次选拔（第{write_id}次写入，{started[:16].replace('T', ' ')}，"
            f"{first_name}）用的是同一个成绩文件（SHA-256 相同）；第二次选拔要用第二次测试的成绩"
        )


def rule(group_by: str, quota: str, tie_rule: str) -> dict:
    """How a selection chose (kept in its log entry): a retest must choose the same way."""
    return {"group": group_by, "quota": quota, "ties": tie_rule}


def first_rule(conn: sqlite3.Connection, session_id: int) -> dict | None:
    """The first selection's rule; one logged before tie rules were kept chose by 学号."""
    row = conn.execute(
        "SELECT i.options FROM selections s JOIN imports i ON i.id = s.created_import"
        " WHERE s.session_id = ? AND s.round = 1 LIMIT 1",
        (session_id,),
    ).fetchone()
    if not row or row[0] in (None, "{}"):
        return None
    options = json.loads(row[0])
    return {
        "group": options.get("group"),
        "quota": options.get("quota"),
        "ties": options.get("ties", ties.DEFAULT),
    }
