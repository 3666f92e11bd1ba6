"""The domain's small vocabulary: statuses, levels, outcomes (SPEC 2, 5.1).

Each word list lives here once; cleaning maps cell text onto these codes and reports
print the Chinese labels.
"""

from __future__ import annotations

# 学籍状态. SPEC 3: 退学, 转学, 转出, 休学 count as withdrawn.
STATUS_WORDS: dict[str, str] = {
    "在读": "enrolled",
    "在校": "enrolled",
    "在籍": "enrolled",
    "在学": "enrolled",
    "正常": "enrolled",
    "enrolled": "enrolled",
    "active": "enrolled",
    "毕业": "graduated",
    "已毕业": "graduated",
    "graduated": "graduated",
    "结业": "completed",
    "completed": "completed",
    "退学": "dropped_out",
    "已退学": "dropped_out",
    "辍学": "dropped_out",
    "dropped": "dropped_out",
    "dropped_out": "dropped_out",
    "withdrawn": "dropped_out",
    "转学": "transferred",
    "转出": "transferred",
    "已转学": "transferred",
    "已转出": "transferred",
    "transferred": "transferred",
    "休学": "suspended",
    "suspended": "suspended",
}
STATUS_LABELS: dict[str, str] = {
    "enrolled": "在读",
    "graduated": "毕业",
    "completed": "结业",
    "dropped_out": "退学",
    "transferred": "转学",
    "suspended": "休学",
}
WITHDRAWN_STATUSES: frozenset[str] = frozenset({"dropped_out", "transferred", "suspended"})

# SPEC 3: a 届 graduates on the day the site profile sets ([school] graduation_day, kept
# in settings as school_graduation_day), 1 July of its year unless it says otherwise.
GRADUATION_DAY = "07-01"
GRADUATION_DAY_SETTING = "school_graduation_day"

GENDER_WORDS: dict[str, str] = {
    "男": "男",
    "女": "女",
    "m": "男",
    "f": "女",
    "male": "男",
    "female": "女",
}

LEVEL_WORDS: dict[str, str] = {
    "初级": "初级",
    "中级": "中级",
    "高级": "高级",
    "1": "初级",
    "2": "中级",
    "3": "高级",
    "elementary": "初级",
    "junior": "初级",
    "basic": "初级",
    "intermediate": "中级",
    "advanced": "高级",
    "senior": "高级",
}

OUTCOME_WORDS: dict[str, str] = {
    "合格": "pass",
    "通过": "pass",
    "是": "pass",
    "pass": "pass",
    "passed": "pass",
    "不合格": "fail",
    "未通过": "fail",
    "否": "fail",
    "fail": "fail",
    "failed": "fail",
    "缺考": "absent",
    "absent": "absent",
}

# A yes-or-no setting (是否试点院校) as a clerk writes it, or as TOML does.
YES_NO_WORDS: dict[str, bool] = {"是": True, "否": False, "true": True, "false": False}

# The kinds of sheet an import recognises by their headers (SPEC 5.1).
SHEET_KINDS: tuple[str, ...] = ("roster", "results", "awards", "teachers")
SHEET_KIND_LABELS: dict[str, str] = {
    "roster": "花名册",
    "results": "考核成绩",
    "awards": "发证签领",
    "teachers": "师资",
}

# A teacher's part in the pilot (SPEC 3, "Teachers"): 培训师 trains candidates for a
# certificate, 考评员 examines them, 督导员 and 考务人员 run the exams, and a 持证教师
# holds the certificate themselves. One teachers' row may name several (培训师、考评员).
TEACHER_ROLES: tuple[str, ...] = ("trainer", "examiner", "supervisor", "exam_staff", "holder")
TEACHER_ROLE_LABELS: dict[str, str] = {
    "trainer": "培训师",
    "examiner": "考评员",
    "supervisor": "督导员",
    "exam_staff": "考务人员",
    "holder": "持证教师",
}
TEACHER_ROLE_WORDS: dict[str, str] = {
    "培训师": "trainer",
    "培训教师": "trainer",
    "考评员": "examiner",
    "考官": "examiner",
    "督导员": "supervisor",
    "督导": "supervisor",
    "考务人员": "exam_staff",
    "考务": "exam_staff",
    "考务员": "exam_staff",
    "持证教师": "holder",
    "持证": "holder",
    "持证人": "holder",
    "trainer": "trainer",
    "examiner": "examiner",
    "supervisor": "supervisor",
    "exam_staff": "exam_staff",
    "staff": "exam_staff",
    "holder": "holder",
}
# The roles that are always of one certificate (a 督导员 or 考务人员 may serve them all).
CERTIFICATE_ROLES: frozenset[str] = frozenset({"trainer", "examiner", "holder"})

# The teacher columns an import may set, in the order the database lists them.
TEACHER_FIELDS: tuple[str, ...] = ("staff_no", "name", "id_number", "department", "phone")

OUTCOME_LABELS: dict[str, str] = {"pass": "合格", "fail": "不合格", "absent": "缺考"}

# A certificate's kind (SPEC 2): a 1+X certificate, or any other skill certificate.
CERTIFICATE_KINDS: tuple[str, ...] = ("1+X", "other")
CERTIFICATE_KIND_LABELS: dict[str, str] = {"1+X": "1+X", "other": "其他"}

# The years a year, a cohort or a date may name (an exam year, a target's year, a 届);
# an enrolment year (入学年份) may be older: a school's first rosters go back further.
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_ENROLLMENT_YEAR = 1980

# Control characters are no text anyone typed (a bell, an escape sequence): cleaning
# drops them. Tabs and line breaks (also U+001C-1F and U+0085) are whitespace there.
CONTROL_CHARACTERS: frozenset[int] = frozenset(
    [*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)]
)
# A printed line carries neither, nor any line break but its own newline (an escape
# sequence in a file name would recolour, retitle or rewrite a clerk's screen).
UNPRINTABLE: frozenset[int] = CONTROL_CHARACTERS | {0x0B, 0x0C, 0x0D, *range(0x1C, 0x20), 0x85}


# A person's personal fields (the birth date is inside the ID number): purge scrubs a
# graduated student's, a forgetting undo a student's or a teacher's.
PERSONAL_FIELDS: tuple[str, ...] = ("id_number", "phone")

# The student columns an import may set, in the order the database lists them.
STUDENT_FIELDS: tuple[str, ...] = (
    "student_no",
    "name",
    "gender",
    "id_number",
    "class_code",
    "major",
    "department",
    "enrollment_year",
    "cohort",
    "phone",
    "status",
)
