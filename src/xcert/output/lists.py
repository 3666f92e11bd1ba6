"""The lists commands print, as `tables.Table`s: one table whether it goes to a
terminal or to an xlsx file (`--format xlsx`), so both show the same columns. Cells are
typed (a count an int, a score a float) and every ID number is masked (SPEC 5.3)."""

from __future__ import annotations

from collections.abc import Sequence

from xcert.clean.dates import shown
from xcert.model import (
    CERTIFICATE_KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    TEACHER_ROLE_LABELS,
)
from xcert.office import ties
from xcert.office.catalogue import Certificate
from xcert.office.check import CATEGORIES, LABELS
from xcert.office.search import Found, StudentRecords, StudentRow
from xcert.office.selection import Group, Selection
from xcert.office.sessions import Session
from xcert.office.teachers import Listed
from xcert.output.tables import Table
from xcert.privacy import mask_id, mask_ids_in
from xcert.store.journal import Write, write_label

STUDENT_HEADER = ("学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "届别", "状态")


def students_table(found: Found) -> Table:
    """`find`'s students; the title says how many matched and, when the list is cut,
    how many it shows."""
    total = f"找到{found.total:,}名学生"
    shown = f"，显示前{len(found.students):,}名" if found.cut else ""
    rows = [
        [
            mask_ids_in(s.student_no or ""),
            mask_ids_in(s.name),
            s.gender or "",
            mask_id(s.id_number),
            s.class_code or "",
            s.major or "",
            s.department or "",
            f"{s.cohort}届" if s.cohort else "",
            STATUS_LABELS.get(s.status, s.status),
        ]
        for s in found.students
    ]
    return Table(total + shown, STUDENT_HEADER, rows)


def student_name(student: StudentRow) -> str:
    """陈晓明（2021010101）: whose records a table lists."""
    return mask_ids_in(f"{student.name}（{student.student_no or '无学号'}）")


def _kind(kind: str, guessed: bool) -> str:
    return CERTIFICATE_KIND_LABELS[kind] + ("（推测）" if guessed else "")


def results_table(student: StudentRow, records: StudentRecords) -> Table:
    """A student's exam results, scores as numbers."""
    rows = [
        [
            r.certificate,
            _kind(r.kind, r.kind_guessed),
            r.level or "",
            r.when or "",
            *(v if v is not None else "" for v in (r.theory, r.practical, r.total)),
            OUTCOME_LABELS[r.outcome],
        ]
        for r in records.results
    ]
    header = ("证书", "类型", "等级", "考核时间", "理论", "实操", "总分", "结果")
    return Table(f"{student_name(student)}的考核成绩", header, rows)


def awards_table(student: StudentRow, records: StudentRecords) -> Table:
    """A student's certificates and who signed for them."""
    rows = [
        [
            a.certificate,
            _kind(a.kind, a.kind_guessed),
            a.level or "",
            a.assessed or "",
            a.issued_on or "",
            mask_ids_in(a.certificate_no or ""),
            f"{a.signed_by} {a.signed_on or ''}".strip() if a.signed_by else "未签领",
        ]
        for a in records.awards
    ]
    header = ("证书", "类型", "等级", "鉴定时间", "发证日期", "证书编号", "签领")
    return Table(f"{student_name(student)}的证书", header, rows)


def log_table(writes: Sequence[Write]) -> Table:
    """`log`: every write, newest first."""
    rows = [
        [
            w.id,
            w.time.replace("T", " "),
            write_label(w.kind) + (f"（已被第{w.undone_by}次撤销）" if w.undone_by else ""),
            mask_ids_in(w.file_name),
            w.sha256[:12],
            w.added,
            w.updated,
            w.unchanged,
            w.rejected,
            mask_ids_in(w.command or ""),
        ]
        for w in writes
    ]
    header = (
        "编号",
        "时间",
        "操作",
        "文件或内容",
        "SHA-256",
        "新增",
        "更新",
        "未变",
        "拒绝",
        "命令",
    )
    return Table(f"写入记录（最近{len(writes)}次）", header, rows)


def certificates_table(
    certificates: Sequence[Certificate], counts: dict[int, tuple[int, int]]
) -> Table:
    """`certs`: the catalogue, a guessed kind marked, with each one's results and awards."""
    rows = [
        [
            cert.name,
            _kind(cert.kind, cert.kind_guessed),
            cert.organisation or "",
            "、".join(cert.levels),
            "、".join(cert.aliases),
            *counts.get(cert.id, (0, 0)),
        ]
        for cert in certificates
    ]
    header = ("证书", "类型", "培训评价组织", "等级", "别名", "成绩", "发证")
    return Table(f"证书目录（{len(certificates)}种）", header, rows)


def sessions_table(sessions: Sequence[Session]) -> Table:
    """`session list`: each session, its fill against its capacity, its results; in a
    province's database, whose school it is."""
    province = any(s.school is not None for s in sessions)
    rows = [
        [
            s.id,
            *([s.school or ""] if province else []),
            s.certificate,
            s.level or "",
            s.date or "",
            s.site or "",
            f"{s.registered} / {'不限' if s.capacity is None else s.capacity}",
            s.results,
        ]
        for s in sessions
    ]
    header = ("编号", *(["学校"] if province else []), "证书", "等级", "日期", "考点")
    header += ("已报名 / 容量", "成绩")
    return Table(f"考试场次（{len(sessions)}场）", header, rows)


def check_title(key: str, rows: Sequence[dict]) -> str:
    return f"{CATEGORIES[key]}：{len(rows)}"


def check_table(key: str, rows: Sequence[dict]) -> Table:
    """One category of `check`'s findings (its rows are masked already)."""
    header = [LABELS[column] for column in rows[0]] if rows else ["—"]
    cells = [
        [
            OUTCOME_LABELS.get(v, v) if k == "outcome" else ("" if v is None else v)
            for k, v in row.items()
        ]
        for row in rows
    ]
    return Table(check_title(key, rows), header, cells)


def check_counts(found: dict[str, list[dict]]) -> Table:
    """How many of each finding: the first sheet of `check --format xlsx`."""
    rows = [[CATEGORIES[key], len(rows)] for key, rows in found.items()]
    return Table("核对结果", ["核对项目", "条数"], rows)


def group_row(g: Group) -> list[object]:
    """A group's size, places, registered before, ranked, taken and the lowest score
    taken: the terminal's table and the posted notice alike."""
    cutoff = g.cutoff if g.cutoff is not None else "—"
    return [g.key, g.size, g.places, g.registered, len(g.candidates), len(g.taken), cutoff]


def groups_table(result: Selection) -> Table:
    """`select`: each group's size, places, who was chosen and the lowest score taken."""
    rows = [group_row(g) for g in result.groups]
    header = ("组", "在读人数", "名额", "已报名", "参加选拔", "入选", "分数线")
    return Table("各组名额", header, rows)


def candidates_table(result: Selection) -> Table:
    """`select`: everyone ranked, by group and rank (equal scores share a rank)."""
    rows = [
        [
            g.key,
            c.rank,
            mask_ids_in(c.student_no or ""),
            mask_ids_in(c.name),
            c.class_code or "",
            c.score,
            ties.outcome_label(c.outcome, result.round),
        ]
        for g in result.groups
        for c in g.candidates
    ]
    header = ("组", "名次", "学号", "姓名", "班级", "成绩", "结果")
    return Table("选拔名单（按组、名次）", header, rows)


TEACHER_HEADER = ("工号", "姓名", "部门", "角色", "证书", "等级", "取得日期", "证书编号")


def teachers_table(lines: Sequence[Listed], what: str = "师资名单") -> Table:
    """`teachers`: one line per teacher and role; the title counts teachers (人) and roles
    (人次). ID numbers and phones are not listed; an ID typed into a cell is masked."""
    people = len({line.teacher_id for line in lines})
    times = sum(1 for line in lines if line.role is not None)
    rows = [
        [
            mask_ids_in(line.staff_no or ""),
            mask_ids_in(line.name),
            line.department or "",
            TEACHER_ROLE_LABELS.get(line.role or "", ""),
            line.certificate or "",
            line.level or "",
            shown(line.obtained_on),
            mask_ids_in(line.certificate_no or ""),
        ]
        for line in lines
    ]
    return Table(f"{what}（{people}人，{times}人次）", TEACHER_HEADER, rows)


def teachers_json(lines: Sequence[Listed]) -> list[dict[str, object]]:
    """`teachers --format json`: the same lines, English keys, role as its code, the
    date as printed (2021.6)."""
    return [
        {
            "staff_no": mask_ids_in(line.staff_no) if line.staff_no else None,
            "name": mask_ids_in(line.name),
            "department": line.department,
            "role": line.role,
            "certificate": line.certificate,
            "level": line.level,
            "obtained_on": shown(line.obtained_on) or None,
            "certificate_no": mask_ids_in(line.certificate_no) if line.certificate_no else None,
        }
        for line in lines
    ]
