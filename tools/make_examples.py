"""Regenerate the bundled example files in examples/ (fictional students only).

Run: .venv/bin/python tools/make_examples.py (or `… make_examples.py teachers` for
teachers.xlsx alone, which leaves the other files as they are)
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
from xcert.clean.idcard import check_digit  # noqa: E402

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


def main(only: list[str]) -> None:
    """Every example file, or only those named (`teachers`, `site`)."""
    if only:
        for name in only:
            WRITERS[name]()
        return
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
    group2 = people(rng, 15, 2006)
    for i, p in enumerate(group2, 1):
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
    group3 = people(rng, 14, 2007)
    for i, p in enumerate(group3, 1):
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

    write_results(group, group2)
    write_sign_off(group)
    write_selection_scores(group2, group3)
    (EXAMPLES / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    write_site()
    write_teachers()


CATALOGUE = """\
# 证书目录（示例）：xcert import examples/catalogue.toml
# kind: "1+X"（职业技能等级证书，1+X 试点）或 "other"（行业证书、人社职业技能等级认定等）

[[certificate]]
name = "机械工程制图职业技能等级证书"
kind = "1+X"
organisation = "示例培训评价组织甲"
levels = ["初级", "中级", "高级"]
aliases = ["机械工程制图", "机械制图"]

[[certificate]]
name = "数控车铣加工职业技能等级证书"
kind = "1+X"
organisation = "示例培训评价组织乙"
levels = ["初级", "中级", "高级"]
aliases = ["数控车铣加工"]

[[certificate]]
name = "机械设计工程师 (AutoCAD)"
kind = "other"
organisation = "示例行业协会"
aliases = ["AutoCAD 工程师"]

[[certificate]]
name = "车工职业技能等级证书（人社认定）"
kind = "other"
organisation = "人力资源社会保障部门"
number_pattern = '^[YS]\\d{21}$'

# 学校的评分规则：缺总成绩时按权重计算，缺考核结果时按及格线判断
[scoring]
theory_weight = 0.3
practical_weight = 0.7
pass_mark = 60
"""


SITE = """\
# 考点资料与实施方案（示例，学校与人物均为虚构）：xcert import examples/site.toml

[school]
name = "示例职业技术学校"
address = "示例省示例市示例区学府路 1 号"
pilot = true
introduction = \"\"\"示例职业技术学校为示例省重点中等职业学校，机械部设数控技术应用、模具制造技术等专业，\
在校生约1400人，均开设《机械制图》课程，报考基础好、受众面广。
学校成立技能等级考试中心，由教务处牵头、机械部执行，已有5名教师取得考评员资格，培训师5人。\"\"\"

[[site]]
name = "机械工程制图考点"
certificate = "机械工程制图职业技能等级证书"
type = "考点"
levels = ["初级"]
max_per_day = 60
expected = 30
rooms = \"\"\"3D 打印实训室，面积86平方米，工位40个；电脑40台，配套制图软件40套。
千兆局域网互通，可访问互联网；考场配监控摄像头2个。\"\"\"
other = \"\"\"组织机构：技能等级考试中心总负责，教务处统筹，机械部执行。
考务团队：培训、监考均为专任教师，八成为双师型教师。
配套制度：按培训评价组织的要求制定考点管理办法和考务工作细则。\"\"\"
partners = "示例市第二职业学校（共用考核机房，派出考评员2名）"
label = "附件 1-3"
attachments = ["考点场地及设备照片", "考评员证书复印件", "考点考务管理制度"]
signed_on = 2022-09-18
organisation = "示例培训评价组织甲"
organisation_contact = { name = "赵示例", phone = "13800000000", wechat = "13800000000" }

[site.leader]
name = "钱示例"
title = "专业部长"
phone = "0758-2000001"
mobile = "13800000001"
email = "leader@example.edu.cn"
wechat = "qian_example"

[site.liaison]
name = "孙示例"
title = "教师"
mobile = "13800000002"
email = "liaison@example.edu.cn"

[site.admin]
name = "李示例"
title = "设备专员"
mobile = "13800000003"
email = "admin@example.edu.cn"

[plan]
year = 2023
funding = "现代职业教育质量提升计划专项资金"
number = "示职办〔2022〕18号"
date = 2022-11-18
certificates = ["机械工程制图", "数控车铣加工"]
total = 415688

[[plan.sections]]
title = "项目建设的必要性"
text = \"\"\"
国家推行“学历证书+若干职业技能等级证书”制度，引导职业学校把职业技能等级标准融入专业教学，提高人才培养质量和学生的就业竞争力。
我校机械类专业学生多，企业对识图、制图和数控加工技能的要求逐年提高，学生在校期间取得职业技能等级证书的愿望强烈。
2023年，学校在 1+X 证书试点已有基础上，继续加大考核设备和师资队伍的投入，扩大试点证书和参与学生的范围。
\"\"\"

[[plan.sections]]
title = "项目建设的可行性"
text = \"\"\"
我校自2022年起开展 1+X 证书制度试点，先后完成师资培训、考评员申报、学生培训、考点申报与建设和考证组织等工作。
2022年申报机械工程制图证书试点，考核13人，通过12人，积累了组织考核的经验。2023年新增数控车铣加工证书试点，试点证书、往年情况和师资如下：
\"\"\"
show = ["certificates", "history", "teachers"]

[[plan.sections]]
title = "项目的资金需求情况"
text = "完成“2023年 1+X 证书试点项目”共需资金415688元，主要支出如下（见下表）："
show = ["budget"]

[[plan.sections]]
title = "设备采购清单"
text = "新增考核机房一间，设备按学校政府采购管理办法采购，清单如下："
show = ["equipment"]

[[plan.sections]]
title = "绩效情况分析"
text = \"\"\"
（一）总体绩效目标：
1. 深化产教融合，完成2个 1+X 证书制度试点，参与人数30人以上，考核通过率超过90%。
2. 进一步改善考核条件，提升教师双师素质，提高人才培养质量。
（二）具体绩效目标：
\"\"\"
show = ["targets"]

[[plan.sections]]
title = "项目预期效益"
text = \"\"\"
1. 项目建成后，参加 1+X 证书考核的学生和取得考评员资格的教师人数将进一步增加。
2. 以证促教、书证融通，把证书标准融入课程教学，提升考核通过率和学生的就业竞争力。
\"\"\"

[[plan.sections]]
title = "项目建设保障机制"
file = "plan-safeguards.md"             # a Markdown file beside this one

[[plan.budget]]
item = "1+X 证书试点项目"
sub_item = "1+X 证书考核设备设施"
content = "考核电脑、交换机等考核设备（见设备采购清单）"
amount = 334000

[[plan.budget]]
item = "1+X 证书试点项目"
sub_item = "1+X 证书考核"
content = "机械工程制图考证费用"
amount = 45000

[[plan.budget]]
item = "1+X 证书试点项目"
sub_item = "1+X 证书考核"
content = "数控车铣加工考证费用"
amount = 30688

[[plan.budget]]
item = "1+X 证书试点项目"
sub_item = "1+X 证书试点师资培训"
content = "1+X 师资培训"
amount = 6000

[[plan.equipment]]
name = "考核电脑"
spec = "六核处理器，16GB 内存，512GB 固态硬盘，23.8英寸显示器"
quantity = 48
unit = "台"
price = 6500

[[plan.equipment]]
name = "千兆交换机"
spec = "48口，可网管"
quantity = 2
unit = "台"
price = 4000

[[plan.equipment]]
name = "激光打印机"
spec = "A3 幅面，黑白"
quantity = 2
unit = "台"
price = 2500

[[plan.equipment]]
name = "机房网络布线"
spec = "六类网线，含信息点50个"
quantity = 1
unit = "项"
price = 9000
amount = 9000

[[target]]
year = 2023
participants = 30
pass_rate = "90%"
certificates = 2
"""


SAFEGUARDS = """\
## 1. 制度保障

学校制定《1+X 证书制度试点工作管理办法》和《专项资金管理实施细则》，明确各部门职责，按阶段检查项目进度和资金使用情况。

## 2. 组织机构保障

成立由校长任组长的项目建设领导小组，教务处统筹，机械部负责具体实施，专业带头人和骨干教师参与。

## 3. 资金保障

专项资金专款专用，由项目建设领导小组统筹安排，财务处按规定审核每一笔支出。

## 4. 建立责任与激励机制

实行目标责任制，每个子项目落实责任人；对成绩突出的团队和个人，在年度考核中予以奖励。

## 5. 加强过程管理，保证按期完成

按月检查设备采购、师资培训和考核组织的进度，发现问题及时整改，保证项目在2023年12月前完成。
"""


def write_site() -> None:
    """The site profile and the plan's section kept in a Markdown file beside it."""
    (EXAMPLES / "site.toml").write_text(SITE, encoding="utf-8")
    (EXAMPLES / "plan-safeguards.md").write_text(SAFEGUARDS, encoding="utf-8")


def write_results(group: list[dict], group2: list[dict]) -> None:
    """Exam results as an evaluation organisation sends them: two sessions, two layouts."""
    wb = Workbook()
    ws = wb.active
    ws.title = "20数控1-机械工程制图"
    header = [
        "序号",
        "学号",
        "姓名",
        "证书名称",
        "等级",
        "考试日期",
        "理论成绩",
        "实操成绩",
        "总成绩",
        "考核结果",
    ]
    title(ws, "2022年机械工程制图职业技能等级证书（初级）考核成绩", len(header))
    ws.append(header)
    for i, p in enumerate(group, 1):
        if i == 7:
            continue  # withdrawn before the exam
        theory, practical = 60 + (i * 7) % 35, 55 + (i * 11) % 40
        total = round(theory * 0.3 + practical * 0.7, 1)
        outcome = "缺考" if i == 12 else ("合格" if total >= 60 else "不合格")
        if outcome == "缺考":
            theory = practical = total = None
        ws.append(
            [
                i,
                int(f"2020010{i:02d}"),
                p["name"],
                "机械工程制图",
                "初级",
                "2022-12-10",
                theory,
                practical,
                total,
                outcome,
            ]
        )
    ws = wb.create_sheet("21数控2-数控车铣加工")
    ws.append(["学号", "姓名", "考核项目", "等级", "考核日期", "理论成绩", "实操成绩", "是否合格"])
    for i, p in enumerate(group2, 1):
        if i == 11:
            continue  # suspended
        theory, practical = 58 + (i * 13) % 40, 60 + (i * 5) % 38
        passed = "是" if theory * 0.3 + practical * 0.7 >= 60 else "否"
        ws.append(
            [
                f"{2021020100 + i}",
                p["name"],
                "数控车铣加工",
                "中级",
                "2023年6月18日",
                theory,
                practical,
                passed,
            ]
        )
    wb.save(EXAMPLES / "results.xlsx")


def write_sign_off(group: list[dict]) -> None:
    """A 考证签领名单 shaped like the seed's: class + name only, blank level, 2022.5-6."""
    wb = Workbook()
    ws = wb.active
    ws.title = "签领名单"
    header = ["序号", "班号", "姓名", "工种", "等级", "鉴定时间", "发证日期", "证书签领人"]
    title(ws, "数控技术应用专业2022年20数控1班考证签领名单", len(header))
    ws.append(header)
    row = 0
    for i, p in enumerate(group, 1):
        if i == 7:
            continue
        row += 1
        job = "数控技术工程师" if i in (4, 9) else "机械设计工程师（AutoCAD）"
        name = " ".join(p["name"]) if i == 2 else p["name"]  # a stray space, as typed
        signer = None if i >= 13 else "学习委员"  # the last few have not signed yet
        ws.append([row, "20数控1", name, job, None, "2022.5-6", "2022.9.28", signer])
    wb.save(EXAMPLES / "sign-off.xlsx")


def write_selection_scores(group2: list[dict], group3: list[dict]) -> None:
    """A selection test's scores (seed 004: the top 60 % of each class get an exam place):
    学号 as numbers for one class, ties, a student who was absent."""
    rng = random.Random(604)
    wb = Workbook()
    ws = wb.active
    ws.title = "选拔成绩"
    header = ["序号", "学号", "姓名", "班级", "选拔成绩"]
    title(ws, "1+X 证书考前选拔测试成绩（第一次）", len(header))
    ws.append(header)
    rows = [(2021020100 + i, p["name"], "21数控2") for i, p in enumerate(group2, 1) if i != 11]
    rows += [(f"2022030{i:02d}", p["name"], "22模具1") for i, p in enumerate(group3, 1)]
    for n, (number, name, klass) in enumerate(rows, 1):
        score = "缺考" if n == 5 else rng.choice([58, 62, 66, 70, 74, 74, 78, 82, 86, 91])
        ws.append([n, number, name, klass, score])
    wb.save(EXAMPLES / "selection-scores.xlsx")


# (role, certificate, level, obtained, certificate number) per teacher, in the order of
# `people()`: five trainers of 机械工程制图 (seed 000: 培训师共5人), its examiners 4人 and
# 5人次 (one examines at 初级 and 中级), one teacher with two roles in one cell.
_DRAWING, _CNC = "机械工程制图", "数控车铣加工"
STAFF: list[list[tuple[str, str | None, str | None, str | None, str | None]]] = [
    [("培训师、考评员", _DRAWING, "初级", "2021.6", "KPY2021001")],
    [
        ("培训师", _DRAWING, "初级", "2021.6", None),
        ("考评员", _DRAWING, "中级", "2022.7", "KPY2022003"),
    ],
    [("培训师", _DRAWING, "中级", "2022.7", None), ("持证教师", _CNC, "高级", "2019年12月", None)],
    [
        ("培训师", _DRAWING, "初级", "2021.6", None),
        ("考评员", _DRAWING, "初级", "2022.7", "KPY2022005"),
    ],
    [
        ("培训师", _DRAWING, "初级", "2021.6", None),
        ("考评员", _DRAWING, "初级", "2021.6", "KPY2021002"),
        ("考评员", _DRAWING, "中级", "2022.7", "KPY2022004"),
    ],
    [("培训师", _CNC, "中级", "2022.11", None), ("考评员", _CNC, "中级", "2023.3", "KPC2023001")],
    [("培训师", _CNC, "中级", "2022.11", None), ("持证教师", _CNC, "中级", "2020.6", None)],
    [("持证教师", _DRAWING, "高级", "2020.12", None)],
    [("督导员", None, None, "2023.3", None)],
    [("考务人员", None, None, None, None)],
]
_DEPARTMENTS = ["机械部"] * 8 + ["教务处", "教务处"]


def write_teachers() -> None:
    """A 师资 list (seed 000: 培训师共5人, 取得考官证书5人次): teachers of two certificates,
    one row per role and certificate, 工号 as text, and a second sheet of notes."""
    rng = random.Random(19)
    wb = Workbook()
    ws = wb.active
    ws.title = "师资名单"
    header = ["序号", "工号", "教师姓名", "所属部门", "身份证号", "手机号", "角色"]
    header += ["证书名称", "等级", "取得日期", "证书编号"]
    title(ws, "示例职业技术学校 1+X 证书师资名单", len(header))
    ws.append(header)
    row = 0
    for i, (person, roles) in enumerate(zip(people(rng, len(STAFF), 1982), STAFF, strict=True)):
        person["phone"] = f"1390000{rng.randrange(10000):04d}"
        for k, (role, cert, level, obtained, number) in enumerate(roles):
            row += 1
            first = k == 0  # the teacher's own columns on their first row; blank after
            ws.append(
                [
                    row,
                    f"T{2001 + i:04d}",
                    person["name"],
                    _DEPARTMENTS[i],
                    person["id"] if first else None,
                    person["phone"] if first else None,
                    role,
                    cert,
                    level,
                    obtained,
                    number,
                ]
            )
    notes = wb.create_sheet("说明")
    notes.append(["本工作簿为虚构示例数据，人物均为虚构。"])
    wb.save(EXAMPLES / "teachers.xlsx")


WRITERS = {"teachers": write_teachers, "site": write_site}


if __name__ == "__main__":
    main(sys.argv[1:])
