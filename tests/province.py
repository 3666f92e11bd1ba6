"""Three fictional schools, each built into its own database through `xcert import`, and a
province's database made of them by `merge` below: a small stand-in for `xcert merge`
(SPEC 6.8) that copies the rows in SQL as the schema wants them (school_id on students,
sessions, teachers and targets; `person` a keyed hash of the ID number; names, ID
numbers, 学号 and phones left out; one catalogue).

Every figure of each school is counted by hand in test_by_school.py. Two people are in
two schools: 方三 (P1) graduated in 示例第一职业学校 with a certificate and is listed as a
graduate of 示例第二职业学校 too, without one; 方四 (P2) passed an exam in 第一 and
transferred (转学) to 示例第三职业学校, where she graduated without one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from openpyxl import Workbook

from conftest import RESULT_COLUMNS, Cli, make_id

P1, P2 = make_id("20050101", "311"), make_id("20050202", "322")
DRAWING = {"name": "机械工程制图职业技能等级证书", "kind": "1+X", "aliases": ["机械制图"]}
CNC = {"name": "数控车铣加工职业技能等级证书", "kind": "1+X", "aliases": ["数控车铣"]}
SHOP = {"name": "网店运营推广职业技能等级证书", "kind": "1+X"}
CAR = {"name": "汽车运用与维修职业技能等级证书", "kind": "1+X", "aliases": ["汽车运用与维修"]}
AUTOCAD = {"name": "机械设计工程师 (AutoCAD)", "kind": "other", "aliases": ["AutoCAD"]}
ROSTER_HEADER = ["学号", "姓名", "班级", "专业", "系部", "届别", "学籍状态", "身份证号"]
AWARD_HEADER = ["学号", "工种", "等级", "鉴定时间", "发证日期", "证书签领人"]
TEACHER_HEADER = ["工号", "姓名", "所属部门", "角色", "证书名称", "等级", "取得日期"]


def _students(klass: str, major: str, department: str, cohort: int, rows: str) -> list[list]:
    """`A01 方一, A04 方四 转学 P2`: 学号, name, then a status (毕业 unless given) and the
    person's ID number by its name here."""
    out = []
    for entry in rows.split(","):
        no, name, *rest = entry.split()
        status = next((r for r in rest if r not in ("P1", "P2")), "毕业")
        id_number = {"P1": P1, "P2": P2}.get(next((r for r in rest if r in ("P1", "P2")), ""))
        out.append([no, name, klass, major, department, cohort, status, id_number])
    return out


SCHOOLS: dict[str, dict] = {
    "4144000001": {
        "name": "示例第一职业学校",
        "roster": [
            *_students(
                "21数控1",
                "数控技术应用",
                "机械部",
                2024,
                "A01 方一, A02 方二, A03 方三 P1, A04 方四 转学 P2",
            ),
            *_students("21电商1", "电子商务", "商贸部", 2024, "A11 商一, A12 商二"),
            *_students("22数控1", "数控技术应用", "机械部", 2025, "A21 闵一 在读"),
        ],
        "results": [
            ["A01", "机械制图", "初级", "2023-06-17", "合格"],
            ["A02", "机械制图", "初级", "2023-06-17", "不合格"],
            ["A03", "机械制图", "初级", "2023-06-17", "合格"],
            ["A04", "机械制图", "初级", "2023-06-17", "合格"],
            ["A11", "网店运营推广职业技能等级证书", "初级", "2023-11-11", "合格"],
            ["A12", "网店运营推广职业技能等级证书", "初级", "2023-11-11", "缺考"],
            ["A02", "数控车铣", "初级", "2024-05-20", "合格"],
            ["A21", "机械制图", "初级", "2024-06-15", "合格"],
        ],
        "awards": [
            ["A11", "网店运营推广职业技能等级证书", "初级", "2023.11", "2024.1.10", "商一"],
            ["A01", "AutoCAD", None, "2023.5", "2023.9.1", None],
        ],
        "targets": [{"year": 2023, "participants": 5, "pass_rate": "80%", "certificates": 2}],
        "teachers": [
            ["T01", "钱一", "机械部", "培训师", "机械制图", "初级", "2021.6"],
            ["T02", "孙二", "机械部", "考评员", "机械制图", "初级", "2021.6"],
            ["T02", "孙二", "机械部", "考评员", "数控车铣", "初级", "2022.6"],
        ],
    },
    "4144000002": {
        "name": "示例第二职业学校",
        "roster": [
            *_students(
                "21汽修1", "汽车运用与维修", "交通部", 2024, "B01 车一, B02 车二, B03 方三 P1"
            ),
            *_students("21计算机1", "计算机应用", "信息部", 2024, "B11 计一, B12 计二 退学"),
        ],
        "results": [
            ["B01", "汽车运用与维修", "初级", "2023-06-10", "合格"],
            ["B02", "汽车运用与维修", "初级", "2023-06-10", "不合格"],
            ["B12", "网店运营推广职业技能等级证书", "初级", "2023-11-18", "不合格"],
            ["B11", "网店运营推广职业技能等级证书", "初级", "2024-11-16", "合格"],
            ["B11", "AutoCAD", None, "2024-12-14", "合格"],  # not 1+X: not against a target
        ],
        "awards": [],
        "targets": [
            {"year": 2023, "participants": 3, "pass_rate": "50%", "certificates": 1},
            {"year": 2024, "participants": 2, "pass_rate": "90%", "certificates": 1},
        ],
        "teachers": [["T01", "赵一", "交通部", "培训师", "汽车运用与维修", "初级", "2022.3"]],
    },
    "4144000003": {
        "name": "示例第三职业学校",
        "roster": [
            *_students(
                "21数控1", "数控技术应用", "机械部", 2024, "C01 石一, C02 石二, C03 方四 P2"
            ),
            *_students("21会计1", "会计事务", "财经部", 2024, "C11 会一"),
        ],
        "results": [
            ["C01", "数控车铣", "初级", "2023-05-20", "合格"],
            ["C02", "数控车铣", "初级", "2024-05-25", "缺考"],
            ["C11", "AutoCAD", None, "2024-04-12", "合格"],
        ],
        "awards": [["C01", "数控车铣", "初级", "2023.5", "2023.9.1", "石一"]],
        "targets": [],
        "teachers": [],
    },
}
CODES = list(SCHOOLS)
NAMES = [SCHOOLS[code]["name"] for code in CODES]


def _toml(code: str, school: dict) -> str:
    def table(header: str, values: dict) -> str:
        lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
        return "\n".join([header, *lines, ""])

    parts = [table("[school]", {"name": school["name"], "code": code})]
    parts += [table("[[certificate]]", c) for c in (DRAWING, CNC, SHOP, CAR, AUTOCAD)]
    parts += [table("[[target]]", t) for t in school["targets"]]
    return "\n".join(parts)


def _xlsx(path: Path, header: list, rows: list) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = path.stem
    for row in [header, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def build_school(folder: Path, code: str) -> Path:
    """One school's own database, through `xcert import` as a school makes it."""
    school = SCHOOLS[code]
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"{code}.db"
    site = folder / f"{code}-学校.toml"
    site.write_text(_toml(code, school), encoding="utf-8")
    files = [_xlsx(folder / f"{code}-名单.xlsx", ROSTER_HEADER, school["roster"]), site]
    if school["results"]:
        files.append(_xlsx(folder / f"{code}-成绩.xlsx", RESULT_COLUMNS, school["results"]))
    if school["awards"]:
        files.append(_xlsx(folder / f"{code}-发证.xlsx", AWARD_HEADER, school["awards"]))
    if school["teachers"]:
        files.append(_xlsx(folder / f"{code}-师资.xlsx", TEACHER_HEADER, school["teachers"]))
    cli = Cli(db)
    assert cli("init").exit_code == 0
    for path in files:
        done = cli("import", path)
        assert done.exit_code == 0, done.output
    return db


def _person(id_number: str | None) -> str | None:
    return (
        hashlib.sha256(f"province-key:{id_number}".encode()).hexdigest()[:32] if id_number else None
    )


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]


def merge(province: Path, schools: list[Path]) -> None:
    """Each school's rows into `province` (made by `xcert init`), ids shifted past the
    province's own, anonymised as a merge keeps them."""
    assert Cli(province)("init").exit_code == 0
    conn = sqlite3.connect(province)
    conn.create_function("person_of", 1, _person)
    write = conn.execute(
        "INSERT INTO imports (kind, file_name, sha256, started_at) VALUES"
        " ('merge', 'schools', '-', '2026-11-20T09:00:00')"
    ).lastrowid
    for path in schools:
        _merge_one(conn, path, write)
    conn.close()


def _merge_one(conn: sqlite3.Connection, path: Path, write: int) -> None:
    conn.execute("ATTACH ? AS src", (str(path),))
    settings = dict(conn.execute("SELECT key, value FROM src.settings"))
    name, code = (json.loads(settings[f"school_{k}"]) for k in ("name", "code"))
    school = conn.execute(
        "INSERT INTO schools (code, name, source_name, source_sha256, source_version,"
        " anonymised, merge_id) VALUES (?, ?, ?, '-', 12, 1, ?)",
        (code, name, path.name, write),
    ).lastrowid
    cert = {}
    for cid, cname, kind in conn.execute("SELECT id, name, kind FROM src.certificates"):
        found = conn.execute("SELECT id FROM certificates WHERE name = ?", (cname,)).fetchone()
        cert[cid] = (
            found[0]
            if found
            else conn.execute(
                "INSERT INTO certificates (name, kind, created_import) VALUES (?, ?, ?)",
                (cname, kind, write),
            ).lastrowid
        )
    conn.execute("CREATE TEMP TABLE cert_map (src INTEGER PRIMARY KEY, dst INTEGER)")
    conn.executemany("INSERT INTO cert_map VALUES (?, ?)", cert.items())
    shift = {
        t: conn.execute(f"SELECT coalesce(max(id), 0) FROM main.{t}").fetchone()[0]
        for t in ("students", "sessions", "teachers")
    }
    rules = {
        "students": {
            "id": f"{shift['students']} + s.id", "student_no": "NULL", "id_number": "NULL",
            "phone": "NULL", "name": "'学生' || s.id", "person": "person_of(s.id_number)",
            "school_id": str(school), "created_import": str(write), "updated_import": "NULL",
            "first_certified": "NULL",
        },
        "sessions": {
            "id": f"{shift['sessions']} + s.id", "certificate_id": "(SELECT dst FROM cert_map WHERE src = s.certificate_id)",
            "school_id": str(school), "created_import": str(write), "updated_import": "NULL",
        },
        "results": {
            "student_id": f"{shift['students']} + s.student_id", "session_id": f"{shift['sessions']} + s.session_id",
            "certificate_no": "NULL", "created_import": str(write), "updated_import": "NULL",
        },
        "awards": {
            "student_id": f"{shift['students']} + s.student_id", "signed_by": "NULL", "certificate_no": "NULL",
            "certificate_id": "(SELECT dst FROM cert_map WHERE src = s.certificate_id)",
            "created_import": str(write), "updated_import": "NULL",
        },
        "teachers": {
            "id": f"{shift['teachers']} + s.id", "staff_no": "NULL", "id_number": "NULL", "phone": "NULL",
            "name": "'教师' || s.id", "school_id": str(school), "created_import": str(write),
            "updated_import": "NULL",
        },
        "teacher_roles": {
            "teacher_id": f"{shift['teachers']} + s.teacher_id",
            "certificate_id": "(SELECT dst FROM cert_map WHERE src = s.certificate_id)",
            "created_import": str(write), "updated_import": "NULL",
        },
        "targets": {"id": "NULL", "school_id": str(school), "updated_import": str(write)},
    }  # fmt: skip
    for table, rule in rules.items():
        columns = [c for c in _columns(conn, table) if c in rule or c != "id"]
        values = [rule.get(c, f"s.{c}") for c in columns]
        conn.execute(
            f"INSERT INTO main.{table} ({', '.join(columns)})"
            f" SELECT {', '.join(values)} FROM src.{table} s ORDER BY s.rowid"
        )
    conn.execute("DROP TABLE temp.cert_map")
    conn.commit()
    conn.execute("DETACH src")
