"""The exam-day sign-in sheet (考生签到表, `render sign-in --session N`): the session's
registered students by class, then 学号, each with a wide cell to sign in.

What an invigilator checks a candidate by: name, class, 学号 and the ID number masked
as everywhere (SPEC 5.3: first 2 and last 2 characters; the ID card in hand shows the
rest). xcert keeps no 准考证号 (the platform issues it and no import carries it back),
so the sheet has no such column. `--photo` adds an empty 照片 column, a 1-inch photo's
size in print, for the office to paste the platform's photos into.
"""

from __future__ import annotations

import sqlite3

from xcert.errors import XcertError
from xcert.office import sessions
from xcert.output import tables as output
from xcert.privacy import mask_id, mask_ids_in

# xlsx widths (characters): the sign column holds a handwritten name, the photo a
# 1-inch photo (25 mm).
_WIDTHS = {"序号": 6, "姓名": 12, "班级": 12, "学号": 14, "身份证号": 22, "照片": 14, "签到": 24}


def sign_in(
    conn: sqlite3.Connection, *, session: int | None, photo: bool = False, **_: object
) -> dict:
    if session is None:  # render's options check asks for it first
        raise XcertError("sign-in 需要 --session，例如 --session 3")
    exam = sessions.get(conn, session)
    people = sessions.registered(conn, exam.id)  # by class, then 学号, then name
    if not people:
        raise XcertError(f"{exam.label} 还没有人报名；先用 xcert select 或 xcert register 报名")
    header = ["序号", "姓名", "班级", "学号", "身份证号", *(["照片"] if photo else []), "签到"]
    rows: list[list[object]] = [
        [
            i,
            mask_ids_in(p["name"]),
            p["class_code"] or "",
            mask_ids_in(p["student_no"] or ""),
            mask_id(p["id_number"]),
            *([""] if photo else []),
            "",
        ]
        for i, p in enumerate(people, 1)
    ]
    exam_name = exam.certificate + (f"（{exam.level}）" if exam.level else "")
    facts = [
        f"证书：{exam_name}",
        f"考核日期：{exam.date or '　　年　　月　　日'}",
        f"考点：{exam.site or '＿＿＿＿＿＿'}",
        "考场：＿＿＿＿＿＿",
    ]
    table = output.Table(
        f"{exam_name}考生签到表（{exam.date or '日期未定'}，{len(rows)}人）",
        header,
        rows,
        widths=[_WIDTHS[label] for label in header],
        row_height=30 if photo else 10,  # mm: room to sign, or for a one-inch photo
    )
    return {
        "title": f"{exam_name}考生签到表",
        "paragraphs": facts,
        "closing": [
            f"应考{len(rows)}人，实考＿＿＿＿人，缺考＿＿＿＿人。",
            "监考员签名：＿＿＿＿＿＿＿＿　　＿＿＿＿＿＿＿＿",
        ],
        "photo": photo,
        "tables": [table],
        "charts": [],
        "warnings": [],
    }
