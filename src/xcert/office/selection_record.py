"""A session's selections read back as they were made (for the notice, `render
selection`): each round's candidates from the `selections` rows, and from the write
log's options the rule it chose by, each group's size, places and earlier
registrations, the places the session had left, and the ties across its lines.

A selection logged before the log kept sizes (issue 20) has its sizes counted from the
roster as it is now, its places from its quota, and says so (`estimated`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from xcert.errors import XcertError
from xcert.office import selection, sessions, ties
from xcert.office.selection import Candidate, Group, Selection


@dataclass(frozen=True)
class Recorded:
    """One round as made: the selection (groups, candidates, ties), the places the
    session had left then (None: not limited), and whether sizes were counted now."""

    selection: Selection
    left: int | None
    estimated: bool


def rounds(conn: sqlite3.Connection, session_id: int) -> list[Recorded]:
    """The session's selection and retest, in order; a session without one is an error."""
    session = sessions.get(conn, session_id)
    rows = conn.execute(
        "SELECT se.round, se.created_import, i.options, se.group_key, se.score, se.rank,"
        " se.outcome, s.id, s.student_no, s.name, s.class_code FROM selections se"
        " JOIN students s ON s.id = se.student_id JOIN imports i ON i.id = se.created_import"
        " WHERE se.session_id = ? ORDER BY se.round, se.group_key",
        (session.id,),
    ).fetchall()
    if not rows:
        raise XcertError(f"{session.label} 还没有做过选拔；先用 xcert select 选拔，再生成公示名单")
    found: dict[int, tuple[int, dict, list[Candidate]]] = {}
    for round_, write_id, options, key, score, rank, outcome, *student in rows:
        sid, number, name, klass = student
        _, _, candidates = found.setdefault(round_, (write_id, json.loads(options or "{}"), []))
        candidates.append(Candidate(sid, number, name, klass, key, score, rank, outcome))
    return [
        _round(conn, session, round_, write_id, options, candidates)
        for round_, (write_id, options, candidates) in sorted(found.items())
    ]


def _round(
    conn: sqlite3.Connection,
    session: sessions.Session,
    round_: int,
    write_id: int,
    options: dict,
    candidates: list[Candidate],
) -> Recorded:
    """One round's selection rebuilt: groups in key order, each best first, and its ties
    as the log kept them."""
    group_by = options.get("group") or "class"
    quota = selection.parse_quota(options.get("quota") or "100%")
    rule = options.get("ties") or ties.DEFAULT
    known: dict = options.get("groups") or {}
    groups: dict[str, Group] = {}
    for candidate in sorted(candidates, key=Candidate.sort_key):
        group = groups.get(candidate.group)
        if group is None:
            size, places, registered = known.get(candidate.group) or _estimate(
                conn, group_by, quota, candidate.group
            )
            group = groups[candidate.group] = Group(candidate.group, size, places, registered)
        group.candidates.append(candidate)
    made = Selection(session, round_, group_by, quota, sorted(groups.values(), key=_key), rule)
    made.write_id = write_id
    by_id = {c.student_id: c for c in candidates}
    for line in options.get("lines") or ():
        tie = ties.from_record(line, by_id, rule, round_)
        if tie is not None and tie.group is None:
            made.capacity_tie = tie
        elif tie is not None and tie.group in groups:
            groups[tie.group].tie = tie
    return Recorded(made, options.get("left"), estimated=not known)


def _key(group: Group) -> str:
    return group.key


def _estimate(
    conn: sqlite3.Connection, group_by: str, quota: selection.Quota, key: str
) -> tuple[int, int, int]:
    """A group's size counted now, its places from the quota, earlier registrations
    unknown (0): for a selection logged before sizes were kept."""
    size = int(
        conn.execute(
            "SELECT count(*) FROM students s WHERE s.status = 'enrolled'"
            f" AND {selection.group_sql(group_by)} = ?",
            (key,),
        ).fetchone()[0]
    )
    return size, quota.places(size), 0
