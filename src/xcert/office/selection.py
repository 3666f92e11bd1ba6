"""Choosing candidates by a selection test (SPEC 6.4, seed 004: "以各年级专业班级人数
总和为基数，按照 60% 的比例进行测试选拔考生"; those not chosen may sit a second test).

Rules, in the order they apply:

- a group is a class, or a major or department within one cohort (年级), and its size
  is the number of its enrolled (在读) students in the roster, whether they sat the test
  or not;
- a group gets `ceil(quota × size)` places (a percentage) or N places, less its
  students already registered for the session;
- its candidates are ranked by score, highest first, equal scores by 学号 (then name);
  equal scores across the last place are settled by the
  selection's tie rule (`--ties`, office/ties.py: by 学号, all taken, or a retest) and
  reported with who got in;
- the session's capacity is never exceeded: when the groups' choices together exceed
  the places left, the lowest-ranked across all groups (score, then 学号) are cut, and
  named; a tie across that line is settled by the same rule;
- a retest (`--retest`) ranks the second test's scores of students of the first test's
  groups who are not registered, for the places each group still has, with the first
  test's groups, quota and tie rule; the first test's own file is refused as the second;
- a student whose registration for the session a clerk removed (`register --remove`) is
  not put back by a selection unless asked (`--include-removed`, or `register` again).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from fractions import Fraction

from xcert.errors import XcertError
from xcert.office import search, sessions, ties
from xcert.office import selection_rounds as rounds
from xcert.office.ties import Tie
from xcert.store import writes

GROUPS = {"class": "班级", "major": "专业", "department": "系部"}
STUDENT_COLUMNS = ("student_no", "name", "id_number", "class_code")


@dataclass(frozen=True)
class Quota:
    """60 % of a group's size rounded up, or a number of places per group."""

    fraction: Fraction | None = None
    count: int | None = None

    def places(self, size: int) -> int:
        if self.count is not None:
            return self.count
        assert self.fraction is not None
        return math.ceil(self.fraction * size)

    @property
    def text(self) -> str:
        """As `--quota` takes it: 60% or 20."""
        if self.count is not None:
            return str(self.count)
        assert self.fraction is not None
        return f"{float(self.fraction * 100):g}%"

    def __str__(self) -> str:
        return f"每组{self.count}人" if self.count is not None else f"{self.text}（向上取整）"


def parse_quota(text: str) -> Quota:
    cleaned = text.strip().replace("％", "%").replace(" ", "")
    try:
        if cleaned.endswith("%"):
            percent = Fraction(cleaned[:-1])
            if 0 < percent <= 100:
                return Quota(fraction=percent / 100)
        elif cleaned.isdigit() and int(cleaned) > 0:
            return Quota(count=int(cleaned))
    except (ValueError, ZeroDivisionError):
        pass
    raise XcertError(f"--quota「{text}」应写成百分比（如 60%）或每组人数（如 20）")


@dataclass
class Candidate:
    student_id: int
    student_no: str | None
    name: str
    class_code: str | None
    group: str
    score: float
    rank: int = 0  # the place within the group: by score, then 学号
    outcome: str = "below"  # chosen, below (the group's line), capacity, tie (ties.py)

    def sort_key(self) -> tuple:
        return (-self.score, self.student_no is None, self.student_no or "", self.name)


@dataclass
class Group:
    key: str
    size: int
    places: int  # the quota's places for this group
    registered: int  # its students already registered for the session
    candidates: list[Candidate] = field(default_factory=list)
    tie: Tie | None = None

    @property
    def open(self) -> int:
        return max(self.places - self.registered, 0)

    @property
    def taken(self) -> list[Candidate]:
        return [c for c in self.candidates if c.outcome == "chosen"]

    @property
    def cutoff(self) -> float | None:
        """The line as a notice states it: the lowest score taken (None: nobody was)."""
        return min((c.score for c in self.taken), default=None)


@dataclass
class Selection:
    session: sessions.Session
    round: int
    group_by: str
    quota: Quota
    groups: list[Group]
    ties: str = ties.DEFAULT  # the rule for equal scores across a line (ties.py)
    capacity_tie: Tie | None = None
    write_id: int | None = None
    already: list[str] = field(default_factory=list)  # in the sheet, registered before
    removed: list[str] = field(default_factory=list)  # in the sheet, taken out by hand

    @property
    def chosen(self) -> list[Candidate]:
        return sorted(
            (c for g in self.groups for c in g.candidates if c.outcome == "chosen"),
            key=Candidate.sort_key,
        )

    @property
    def cut(self) -> list[Candidate]:
        return sorted(
            (c for g in self.groups for c in g.candidates if c.outcome == "capacity"),
            key=Candidate.sort_key,
        )

    @property
    def held(self) -> list[Candidate]:
        """Tied across a line under the `retest` rule: not taken, their places open."""
        return sorted(
            (c for g in self.groups for c in g.candidates if c.outcome == "tie"),
            key=Candidate.sort_key,
        )

    @property
    def all_ties(self) -> list[Tie]:
        """Every tie across a line: the groups' in order, then the capacity's."""
        found = [g.tie for g in self.groups if g.tie is not None]
        return found + ([self.capacity_tie] if self.capacity_tie is not None else [])

    def log_options(self) -> dict[str, object]:
        """What the write log keeps: the rule (a retest must follow it), and what the
        notice prints later: each group's size, places and earlier registrations, the
        session's places left, and the ties."""
        return {
            **rounds.rule(self.group_by, self.quota.text, self.ties),
            "groups": {g.key: [g.size, g.places, g.registered] for g in self.groups},
            "left": self.session.places_left,
            "lines": [tie.record() for tie in self.all_ties],
        }


def group_sql(group_by: str) -> str:
    """The group key of a student row `s`: its class, or cohort + major / department.
    Spelled with spaces around 届 as first stored with a selection's rows (a retest finds
    its groups by it): changing it would need a migration of those rows."""
    if group_by == "class":
        return "s.class_code"
    column = {"major": "s.major", "department": "s.department"}[group_by]
    return f"CASE WHEN s.cohort IS NOT NULL AND {column} IS NOT NULL THEN s.cohort || ' 届 ' || {column} END"


@dataclass(frozen=True)
class ScoreFile:
    """A selection test's scores as read (ingest/scores.py): the file's name and
    SHA-256 go into the write log, so that the log names what was ranked."""

    name: str
    sha256: str
    scores: list[Candidate]  # unranked: rank and outcome are set by `select`


def check_request(
    conn: sqlite3.Connection,
    session_id: int,
    group_by: str,
    quota: Quota,
    *,
    retest: bool,
    tie_rule: str | None = None,
) -> tuple[sessions.Session, str]:
    """Before any file is read: the grouping exists and this round may run; the tie
    rule it runs by (given, else the first selection's for a retest, else `number`)."""
    if group_by not in GROUPS:
        raise XcertError(f"--group 应为 {'、'.join(GROUPS)}，不是「{group_by}」")
    if tie_rule is not None and tie_rule not in ties.TIES:
        raise XcertError(f"--ties 应为 {'、'.join(ties.TIES)}，不是「{tie_rule}」")
    session = sessions.get(conn, session_id)
    if tie_rule is None:
        first = rounds.first_rule(conn, session.id) if retest else None
        tie_rule = first["ties"] if first is not None else ties.DEFAULT
    rounds.check_round(
        conn, session, 2 if retest else 1, rounds.rule(group_by, quota.text, tie_rule)
    )
    return session, tie_rule


def select(
    conn: sqlite3.Connection,
    session: sessions.Session,
    scores: ScoreFile,
    group_by: str,
    quota: Quota,
    *,
    retest: bool = False,
    dry_run: bool = False,
    include_removed: bool = False,
    tie_rule: str = ties.DEFAULT,
) -> Selection:
    """Rank, choose and (unless a dry run) register, in one write, for a `session` that
    `check_request` let through (with the tie rule it settled)."""
    round_ = 2 if retest else 1
    if retest:
        rounds.check_second_file(conn, session, scores.name, scores.sha256)
    entrants = _group(conn, session, scores.scores, group_by, quota, round_, include_removed)
    blank = Selection(session, round_, group_by, quota, [], tie_rule)
    result = _choose(session, entrants, blank, scores.name)
    if dry_run:
        return result
    kind = "retest" if retest else "select"
    chosen = result.chosen
    options = result.log_options()
    with writes.write(conn, kind, scores.name, sha256=scores.sha256, options=options) as done:
        # another select may have run since
        rounds.check_round(conn, session, round_, rounds.rule(group_by, quota.text, tie_rule))
        result.write_id = done.id
        done.added = len(chosen)
        conn.executemany(
            "INSERT INTO selections (session_id, student_id, round, group_key, score, rank,"
            " outcome, created_import, updated_import) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session.id,
                    c.student_id,
                    round_,
                    c.group,
                    c.score,
                    c.rank,
                    c.outcome,
                    result.write_id,
                    result.write_id,
                )
                for g in result.groups
                for c in g.candidates
            ],
        )
        sessions.register(
            conn, session.id, [c.student_id for c in chosen], via=kind, write_id=result.write_id
        )
    return result


def _choose(
    session: sessions.Session, entrants: _Entrants, selection: Selection, label: str
) -> Selection:
    """Rank each group's candidates for its open places, then cut to the session's
    capacity, equal scores across either line settled by the selection's tie rule."""
    if entrants.problems:
        raise XcertError(
            f"{label}：{len(entrants.problems)}名学生不能参加这次选拔："
            + "；".join(entrants.problems[:5])
            + ("……" if len(entrants.problems) > 5 else "")
        )
    selection.groups = sorted(entrants.groups.values(), key=lambda g: g.key)
    for group in selection.groups:
        group.candidates.sort(key=Candidate.sort_key)
        for rank, candidate in enumerate(group.candidates, 1):
            candidate.rank = rank
        group.tie = ties.settle_group(
            group.candidates, group.open, selection.ties, selection.round, group.key
        )
    selection.already, selection.removed = entrants.already, entrants.removed
    selection.capacity_tie = ties.settle_capacity(
        selection.chosen, session.places_left, selection.ties, selection.round
    )
    return selection


@dataclass
class _Entrants:
    """A score sheet's students sorted into groups: those ranked, those who hold a place
    already (registered before), those a clerk took out, and those a retest cannot take."""

    groups: dict[str, Group] = field(default_factory=dict)
    already: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _group(
    conn: sqlite3.Connection,
    session: sessions.Session,
    scores: list[Candidate],
    group_by: str,
    quota: Quota,
    round_: int,
    include_removed: bool = False,
) -> _Entrants:
    """Each scored student into their group, its size and places counted when first met;
    a registered student holds a place already, one a clerk took out stays out (unless
    `include_removed`), and a retest takes only the groups of the first selection."""
    group_key = group_sql(group_by)
    registered = _registered_groups(conn, session.id, group_key)
    removed = set() if include_removed else _removed_by_hand(conn, session.id)
    first_groups = _first_round_groups(conn, session.id)
    entrants = _Entrants()
    for candidate in scores:
        if candidate.student_id in registered:  # holds a place already (counted below)
            entrants.already.append(_who(candidate))
            continue
        if candidate.student_id in removed:  # withdrew: their place is open to others
            entrants.removed.append(_who(candidate))
            continue
        if round_ == 2 and candidate.group not in first_groups:
            entrants.problems.append(
                f"{_who(candidate)}所在的「{candidate.group}」没有参加第一次选拔"
            )
            continue
        group = entrants.groups.get(candidate.group)
        if group is None:
            size = _group_size(conn, group_key, candidate.group)
            taken = sum(1 for k in registered.values() if k == candidate.group)
            group = Group(candidate.group, size, quota.places(size), taken)
            entrants.groups[candidate.group] = group
        group.candidates.append(candidate)
    return entrants


def _registered_groups(
    conn: sqlite3.Connection, session_id: int, group_key: str
) -> dict[int, str | None]:
    """Students registered for the session already -> their group key."""
    return {
        sid: key
        for sid, key in conn.execute(
            f"SELECT s.id, {group_key} FROM registrations r JOIN students s ON s.id = r.student_id"
            " WHERE r.session_id = ?",
            (session_id,),
        )
    }


def _removed_by_hand(conn: sqlite3.Connection, session_id: int) -> set[int]:
    """Students whose registration for the session `xcert register --remove` took out
    (the write journal keeps each removed row) and who are not registered now."""
    return {
        sid
        for (sid,) in conn.execute(
            "SELECT DISTINCT json_extract(j.old, '$.student_id') FROM journal j"
            " JOIN imports i ON i.id = j.write_id"
            " WHERE j.table_name = 'registrations' AND j.op = 'delete' AND i.kind = 'register'"
            " AND i.undone_by IS NULL AND json_extract(j.old, '$.session_id') = ?"
            " AND json_extract(j.old, '$.student_id') NOT IN"
            " (SELECT student_id FROM registrations WHERE session_id = ?)",
            (session_id, session_id),
        )
    }


def _first_round_groups(conn: sqlite3.Connection, session_id: int) -> set[str]:
    """The groups the session's first selection ranked: the only ones a retest may fill."""
    return {
        key
        for (key,) in conn.execute(
            "SELECT DISTINCT group_key FROM selections WHERE session_id = ? AND round = 1",
            (session_id,),
        )
    }


def _group_size(conn: sqlite3.Connection, group_key: str, key: str) -> int:
    """A group's size: its enrolled students in the roster, whether they sat the test or not."""
    return int(
        conn.execute(
            f"SELECT count(*) FROM students s WHERE s.status = 'enrolled' AND {group_key} = ?",
            (key,),
        ).fetchone()[0]
    )


def _who(c: Candidate) -> str:
    """A candidate as messages name students: 陈锦曦（202001001）."""
    return search.student_label(c.name, c.student_no, c.class_code)
