"""Equal scores across a line (SPEC 6.4, issue 20): the rule a selection chose with
`select --ties`, kept in its write-log options beside its group and quota, so that its
retest follows it and every output (the terminal, `render selection`) names it.

A line is where places run out: a group's open places (its quota less its students
registered already), or the session's places left (its capacity), which cuts the
groups' choices together, lowest scores first. Candidates whose score equals the last
place's, on both sides of the line, are tied across it. The rules:

- `number` (the default, and how every selection before the rule was kept chose): the
  tied are taken in 学号 order (then name) until the places run out.
- `all`: equal scores are treated alike. At a group's line every tied candidate is
  taken, so a group may take more than its quota (the notice says by how many). The
  session's capacity is still never exceeded: when those tied at the capacity line do
  not all fit, none of them is taken (因容量未入选) and the places they would have
  shared stay open; the office may raise the capacity (`session add --capacity-per-day`
  or `--days`) and `register` them, or let the retest fill the places.
- `retest`: the tied at a line (a group's or the capacity's) are not taken now; they are
  marked 并列待复测 and their places stay open for the second test (`select --retest`),
  which ranks its scores for the places each group still has: the second file decides
  who competes (only the tied, as a tie-break, or everyone not chosen, as seed 004's
  第二次选拔). A retest keeps the first's rule and has no third test after it, so a tie
  across its own line is left undecided (并列待定): none of it is taken, the places stay
  open, the office decides (`register`).

A candidate's stored rank is its place in that order (score, then 学号), as the terminal
lists it; a notice shows equal scores at one rank (1, 2, 2, 4, `shared_ranks`), whatever
the rule, since what it posts is that they were equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xcert.office import search

if TYPE_CHECKING:
    from xcert.office.selection import Candidate

TIES = ("number", "all", "retest")
DEFAULT = "number"

# Short, for a heading or the terminal: 同分：按学号先后.
LABELS = {"number": "按学号先后", "all": "全部入选", "retest": "待复测"}

# The sentence a notice states (seed 004 names the quota; the tie rule is the school's).
RULES = {
    "number": "分数线上成绩相同的，按学号先后录取，直到名额用完",
    "all": (
        "分数线上成绩相同的全部入选，本组可超出名额；但不超出考试容量："
        "容量不够同分者全部入选时，同分者都不入选，名额空出"
    ),
    "retest": "分数线上成绩相同的暂不录取，参加第二次选拔（复测），按复测成绩录取",
}


def outcome_label(outcome: str, round_: int) -> str:
    """A candidate's outcome as every list shows it."""
    if outcome == "tie":
        return "并列待复测" if round_ == 1 else "并列待定"
    return {"chosen": "入选", "below": "落选", "capacity": "因容量未入选"}[outcome]


# How a tie note marks a tied candidate whose outcome is not the one its text states.
_MARKS = {"chosen": "（入选）", "capacity": "（因容量未入选）"}


@dataclass(frozen=True)
class Tie:
    """Equal scores across a line: who was tied, how many places the line had left for
    them, the rule that settled it, and whose line it was (a group's key, or None for
    the session's capacity)."""

    score: float
    tied: tuple[Candidate, ...]
    places: int
    rule: str
    round: int
    group: str | None

    @property
    def text(self) -> str:
        """The note as messages name students: 陈锦曦（202001001）."""
        return self.describe(_who)

    def describe(self, who: Callable[[Candidate], str]) -> str:
        """The note, each tied candidate named by `who` and marked by the outcome it
        ended with when that is not what the note states (a capacity cut after a group's
        line shows, never a stale 入选)."""
        n, places = len(self.tied), self.places
        if self.rule == "all" and self.group is None:
            how, expected = f"，只剩{places}个名额，同分者都不入选，名额空出", "capacity"
        elif self.rule == "all":
            how, expected = f"，全部入选（超出名额{n - places}人）", "chosen"
        elif self.rule == "retest" and self.round == 1:
            how, expected = f"争{places}个名额，都暂不入选，待第二次选拔", "tie"
        elif self.rule == "retest":
            how, expected = f"争{places}个名额，都未入选，名额空出，由学校决定", "tie"
        else:
            how, expected = f"，按学号先后取{places}人", ""
        names = "、".join(
            who(c) + (_MARKS.get(c.outcome, "") if c.outcome != expected else "") for c in self.tied
        )
        return f"并列{self.score:g}分{n}人{how}：{names}"

    def record(self) -> dict[str, object]:
        """As the write log keeps it, so that the notice tells the same tie later."""
        return {
            "group": self.group,
            "score": self.score,
            "places": self.places,
            "students": [c.student_id for c in self.tied],
        }


def _who(c: Candidate) -> str:
    return search.student_label(c.name, c.student_no, c.class_code)


def from_record(
    record: dict, candidates: dict[int, Candidate], rule: str, round_: int
) -> Tie | None:
    """A tie as the write log kept it, over the candidates read back (None when its
    students are gone: a purge, a hand edit)."""
    tied = tuple(candidates[i] for i in record.get("students", ()) if i in candidates)
    if not tied:
        return None
    group = record.get("group")
    return Tie(float(record["score"]), tied, int(record["places"]), rule, round_, group)


def shared_ranks(ranked: Sequence[Candidate]) -> list[int]:
    """Ranks of candidates in order, best first, equal scores sharing one (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, candidate in enumerate(ranked):
        same = i > 0 and candidate.score == ranked[i - 1].score
        ranks.append(ranks[-1] if same else i + 1)
    return ranks


def settle_group(
    ranked: Sequence[Candidate], places: int, rule: str, round_: int, group: str
) -> Tie | None:
    """A group's outcomes at its line (`places` open, candidates best first), and the tie
    across it under `rule`."""
    for i, candidate in enumerate(ranked):
        candidate.outcome = "chosen" if i < places else "below"
    tie = _find(ranked, places, rule, round_, group)
    if tie is not None and rule in ("all", "retest"):
        for candidate in tie.tied:
            candidate.outcome = "chosen" if rule == "all" else "tie"
    return tie


def settle_capacity(
    chosen: Sequence[Candidate], left: int | None, rule: str, round_: int
) -> Tie | None:
    """The session's capacity over the groups' choices (best first across groups): those
    beyond the places left are cut, and the tie across that line settled under `rule`."""
    if left is None or len(chosen) <= left:
        return None
    tie = _find(chosen, left, rule, round_, None)
    for candidate in chosen[left:]:
        candidate.outcome = "capacity"
    if tie is not None and rule in ("all", "retest"):
        for candidate in tie.tied:
            candidate.outcome = "capacity" if rule == "all" else "tie"
    return tie


def _find(
    ranked: Sequence[Candidate], line: int, rule: str, round_: int, group: str | None
) -> Tie | None:
    """Equal scores on both sides of the line, or None."""
    if line <= 0 or line >= len(ranked) or ranked[line - 1].score != ranked[line].score:
        return None
    score = ranked[line - 1].score
    tied = tuple(c for c in ranked if c.score == score)
    places = sum(1 for c in ranked[:line] if c.score == score)
    return Tie(score, tied, places, rule, round_, group)
