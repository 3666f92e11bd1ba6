"""The selection notice (选拔结果公示, `render selection --session N`): per group its
size, places, cut-off score (the lowest score taken), who was taken and who was not,
and the tie at its line with the rule that settled it (office/ties.py), for each round
(the first test, and the second when there was one).

A 公示 is posted (a noticeboard, a class group, the school's site), so it is written as
a public list whatever `--public` says:
- no ID numbers, no phones: nothing a posted list needs;
- a student is named by name and class, as a school's notices do; the 学号 is shown
  masked like an ID number (first 2 and last 2 characters, privacy.mask_id), enough to
  tell two students of one name apart in a class, while a full list of 学号 (often a
  login to the school's systems) is not posted;
- the taken, and everyone at or above the line who was not taken (a tie split, a
  capacity cut, a tie held for the retest), are listed with rank and score: that is
  what a parent checks the line and the rule against; those below the line are listed
  by name only, in 学号 order, without rank or score: the cut-off tells each where they
  stand, and a low score is nobody else's business. They are named at all because
  seed 004 lets them sit the second test.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from xcert.errors import XcertError
from xcert.office import selection_record, ties
from xcert.office.selection import GROUPS, Candidate, Group, Quota, Selection
from xcert.office.sessions import Session
from xcert.office.ties import Tie
from xcert.output import tables as output
from xcert.output.lists import group_row
from xcert.privacy import mask_id, mask_ids_in

HEADER = ["名次", "姓名", "班级", "学号", "成绩", "结果"]
SUMMARY_HEADER = [
    "组",
    "在读人数（人）",
    "名额（人）",
    "原已报名（人）",
    "参加测试（人）",
    "入选（人）",
    "分数线（分）",
    "分数线上并列",
]
ROUND_WORDS = {1: "第一次选拔", 2: "第二次选拔（复测）"}


def notice(conn: sqlite3.Connection, *, session: int | None, **_: object) -> dict:
    if session is None:  # render's options check asks for it first
        raise XcertError("selection 需要 --session，例如 --session 3")
    recorded = selection_record.rounds(conn, session)
    first = recorded[0].selection
    tables: list[output.Table] = []
    for one in recorded:
        tables.append(_summary(one.selection, two=len(recorded) > 1))
        tables += [_group_table(one.selection, g) for g in one.selection.groups]
    estimated = [r.selection for r in recorded if r.estimated]
    return {
        "title": f"{_year(first.session)}{_exam(first.session)}考核选拔结果公示",
        "paragraphs": _paragraphs(first, len(recorded)),
        "closing": [
            "公示期：　　年　　月　　日至　　年　　月　　日。",
            "对公示结果如有异议，请在公示期内向＿＿＿＿＿＿反映（联系人：＿＿＿＿，电话：＿＿＿＿＿＿）。",
        ],
        "rule": ties.RULES[first.ties],
        "tables": tables,
        "charts": [],
        "warnings": [
            f"{ROUND_WORDS[s.round]}（第{s.write_id}次写入）早于 xcert 记录各组人数：在读人数、"
            "名额按现在的花名册计算，原已报名人数不详（记为0）"
            for s in estimated
        ],
    }


def _year(session: Session) -> str:
    return f"{session.date_start[:4]}年" if session.date_start else ""


def _exam(session: Session) -> str:
    """数控车铣加工职业技能等级证书（中级）."""
    return session.certificate + (f"（{session.level}）" if session.level else "")


def _paragraphs(first: Selection, rounds: int) -> list[str]:
    """The notice's opening: what was selected, by which rule, what the list shows."""
    session = first.session
    where = "，".join(
        part
        for part in (
            f"考核时间{session.date}" if session.date else "",
            f"考点{session.site}" if session.site else "",
            f"考试容量{session.capacity}人" if session.capacity is not None else "",
        )
        if part
    )
    lead = (
        f"根据学校1+X证书制度试点工作实施方案，{_exam(session)}考核"
        + (f"（{where}）" if where else "")
        + f"的考生经选拔测试产生：按{GROUPS[first.group_by]}分组，{_quota_words(first.quota)}。"
        + ("未入选的学生参加了第二次选拔（复测）。" if rounds > 1 else "")
        + "现将选拔结果公示如下。"
    )
    return [
        lead,
        "名单列出入选学生和分数线上学生的名次、成绩；未入选学生只列姓名、班级。"
        "学号只显示前两位和后两位。",
    ]


def _quota_words(quota: Quota) -> str:
    """以各组人数为基数按60%的比例选拔, as seed 004 words it."""
    if quota.count is not None:
        return f"每组选拔{quota.count}人"
    return f"以各组在读学生人数为基数，按{quota.text}的比例选拔（名额向上取整）"


def _summary(made: Selection, *, two: bool) -> output.Table:
    """Each group's size, places, how many were taken, the cut-off and the tie."""
    rows = [[*group_row(g), _tie_short(g.tie, made.capacity_tie, g)] for g in made.groups]
    title = f"{ROUND_WORDS[made.round]}情况" if two else "各组选拔情况"
    title += f"（分数线上同分{ties.LABELS[made.ties]}）"
    notes = [f"同分处理：{ties.RULES[made.ties]}。"]  # in every format, the sheet too
    if made.capacity_tie:
        notes.append(f"考试容量线上{_tie_text(made.capacity_tie)}")
    return output.Table(title, SUMMARY_HEADER, rows, notes=notes)


def _tie_short(tie: Tie | None, capacity: Tie | None, group: Group) -> str:
    """分数线上并列: 75分5人 (the group's line), or the capacity line's tie in it."""
    if tie is not None:
        settled = "待定" if tie.rule == "retest" and tie.round == 2 else ties.LABELS[tie.rule]
        return f"{tie.score:g}分{len(tie.tied)}人，{settled}"
    if capacity is not None and any(c.group == group.key for c in capacity.tied):
        return "容量线上并列"
    return "无"


def _tie_text(tie: Tie) -> str:
    """A tie's note with the 学号 masked as the list shows it."""
    return tie.describe(_who)


def _who(c: Candidate) -> str:
    shown = mask_id(c.student_no) if c.student_no else c.class_code or ""
    return mask_ids_in(f"{c.name}（{shown}）")


def _group_table(made: Selection, group: Group) -> output.Table:
    """A group's list: those at or above its line with rank (equal scores at one rank)
    and score, best first; then those below it by name, in 学号 order."""
    tied = {c.student_id for t in (group.tie, made.capacity_tie) if t for c in t.tied}
    shown = [c for c in group.candidates if c.outcome != "below" or c.student_id in tied]
    below = sorted(
        (c for c in group.candidates if c not in shown),
        key=lambda c: (c.student_no is None, c.student_no or "", c.name),
    )
    ids = [c.student_id for c in group.candidates]
    ranks = dict(zip(ids, ties.shared_ranks(group.candidates), strict=True))
    rows: list[list[object]] = [
        [ranks[c.student_id], *_person(c), c.score, _result(c, made.round, c.student_id in tied)]
        for c in shown
    ]
    rows += [["", *_person(c), "", "未入选"] for c in below]
    cutoff = f"分数线{group.cutoff:g}分" if group.cutoff is not None else "无人入选"
    round_ = "第二次选拔，" if made.round == 2 else ""
    title = f"{group.key}（{round_}在读{group.size}人，名额{group.places}人，{cutoff}）"
    notes = [f"分数线上{_tie_text(group.tie)}"] if group.tie is not None else []
    return output.Table(title, HEADER, rows, notes=notes)


def _person(c: Candidate) -> Sequence[object]:
    return [mask_ids_in(c.name), c.class_code or "", mask_id(c.student_no) or ""]


def _result(c: Candidate, round_: int, tied: bool) -> str:
    """入选, 未入选（并列，学号在后）, 并列待复测…"""
    label = "未入选" if c.outcome == "below" else ties.outcome_label(c.outcome, round_)
    if not tied or c.outcome == "tie":
        return label
    return {"chosen": "入选（并列）", "below": "未入选（并列，按学号在后）"}.get(
        c.outcome, f"{label}（并列）"
    )
