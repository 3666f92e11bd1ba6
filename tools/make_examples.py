"""Regenerate the bundled example files in examples/ (fictional students only).

Run: .venv/bin/python tools/make_examples.py
The files are committed; this script documents how they were made and keeps them
reproducible (fixed random seed).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from xcert.idcard import check_digit  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢何罗梁周叶苏曾彭卢邓冯钟"
GIVEN = "子涵浩然宇轩梓豪俊杰嘉怡思远欣悦家乐晓彤志明文博雅婷泽楷锦程诗琪伟健晨曦一鸣"
REGION = "440000"  # a province-level code only: no real county, no real person


def people(rng: random.Random, count: int, born_year: int) -> list[dict]:
    out = []
    used = set()
    while len(out) < count:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        if name in used:
            continue
        used.add(name)
        born = dt.date(born_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        seq = f"{rng.randrange(100):02d}{rng.randrange(10)}"
        body = REGION + born.strftime("%Y%m%d") + seq
        out.append(
            {
                "name": name,
                "id": body + check_digit(body),
                "gender": "男" if int(seq[-1]) % 2 else "女",
                "phone": f"1380000{rng.randrange(10000):04d}",
            }
        )
    return out


def title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")


def main() -> None:
    rng = random.Random(20261125)
    wb = Workbook()

    # Sheet 1: title row, merged class column, 学号 typed as text, explicit 届别.
    ws = wb.active
    ws.title = "20数控1"
    header = [
        "序号",
        "学号",
        "姓名",
        "性别",
        "身份证号码",
        "班级",
        "专业",
        "系部",
        "届别",
        "手机号",
        "学籍状态",
    ]
    title(ws, "数控技术应用专业2020级20数控1班学生花名册", len(header))
    ws.append(header)
    group = people(rng, 15, 2005)
    for i, p in enumerate(group, 1):
        status = "退学" if i == 7 else "毕业"
        ws.append(
            [
                i,
                f"2020010{i:02d}",
                p["name"],
                p["gender"],
                p["id"],
                "20数控1" if i == 1 else None,
                "数控技术应用",
                "机械部",
                "2023届",
                p["phone"],
                status,
            ]
        )
    ws.merge_cells(start_row=3, start_column=6, end_row=2 + len(group), end_column=6)
    ws.append([])
    ws.append(["注：本表由班主任核对，学号以学籍系统为准。"])

    # Sheet 2: 学号 stored as numbers, other header spellings, enrolment year only.
    ws = wb.create_sheet("21数控2")
    header = [
        "序号",
        "学号",
        "姓　名",
        "性别",
        "身份证号",
        "班别",
        "专业名称",
        "专业部",
        "入学年份",
        "联系电话",
        "状态",
    ]
    title(ws, "2021级21数控2班名单", len(header))
    ws.append(header)
    for i, p in enumerate(people(rng, 15, 2006), 1):
        name = p["name"] if i != 3 else " ".join(p["name"])  # a clerk's spaced-out name
        ws.append(
            [
                i,
                2021020100 + i,
                name,
                p["gender"],
                p["id"],
                "21数控2",
                "数控技术应用",
                "机械部",
                "2021级",
                p["phone"],
                "休学" if i == 11 else "在读",
            ]
        )

    # Sheet 3: no year columns at all: the cohort comes from the class code.
    ws = wb.create_sheet("22模具1")
    header = ["学号", "姓名", "性别", "身份证号", "班级", "专业", "状态"]
    ws.append(header)
    for i, p in enumerate(people(rng, 14, 2007), 1):
        ws.append(
            [f"2022030{i:02d}", p["name"], p["gender"], p["id"], "22模具1", "模具制造技术", "在读"]
        )

    ws = wb.create_sheet("说明")
    ws.append(["本工作簿为虚构示例数据，人物均为虚构。"])
    wb.save(EXAMPLES / "roster.xlsx")

    # A class teacher's CSV saved by Chinese Excel: GBK encoded.
    with (EXAMPLES / "roster-gbk.csv").open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "入学年份"])
        for i, p in enumerate(people(rng, 12, 2006), 1):
            writer.writerow(
                [
                    f"2021050{i:02d}",
                    p["name"],
                    p["gender"],
                    p["id"],
                    "21电商1",
                    "电子商务",
                    "商贸部",
                    "2021",
                ]
            )


if __name__ == "__main__":
    main()
