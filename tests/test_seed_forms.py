"""The plan and the site application against seed 000, heading by heading and field by
field. The lists below are the seed's own headings, table headers, form fields and notes
in the seed's order, copied from /work/shared/seeds/000_*.txt: only labels, no person's
name, phone or e-mail, and not the seed school's name or document number (those are the
example profile's, fictional). Each must be found in what xcert renders from the example
profile, in the same order, in Markdown and in HTML."""

from __future__ import annotations

import html as html_text
import re

import pytest

SCHOOL = "示例职业技术学校"  # the seed: its school's name, above the number and at the end

# 实施方案 (seed pages 6-10)
SEED_PLAN = [
    SCHOOL,
    "示职办〔2022〕18号",  # the seed's 文号 (肇理办【2021】30号), the example's own
    # 2022 年现代职业教育质量提升计划专项资金 1+X 证书制度试点项目建设实施方案
    "2023年现代职业教育质量提升计划专项资金 1+X 证书制度试点项目建设实施方案",
    "一、项目建设的必要性",
    "二、项目建设的可行性",
    "三、项目的资金需求情况",
    "总项目名称",
    "分项目",
    "项目建设内容",
    "1+X 证书试点项目（415,688元）",  # seed: 1+X 证书 试点项目 (415688 元)
    "1+X 证书考核设备设施（334,000元）",  # seed: 1+X证书考核设备设施 (334000元)
    "1+X 证书考核（75,688元）",  # seed: 1+X 证书考核 (75688 元)
    "1+X 证书试点师资培训（6,000元）",  # seed: 1+X 证书试点师 资培训 (6000 元)
    "四、设备采购清单",
    "五、绩效情况分析",
    "（一）总体绩效目标：",
    "（二）具体绩效目标：",
    "六、项目预期效益",
    "七、项目建设保障机制",
    "1. 制度保障",
    "2. 组织机构保障",
    "3. 资金保障",
    "4. 建立责任与激励机制",
    "5. 加强",
    SCHOOL,
    "2022年11月18日",  # seed: 2021年 11月 5日, the plan's own date under the school
]

CONTACT = ["姓名", "职务", "电话", "手机", "电子邮箱", "微信号"]
# “1+X” 考点申报表 (seed pages 3-5); its checkboxes (<input type="checkbox">) as ☑ ☐,
# its (单位盖章) in full-width brackets as the rest of the form writes them
SEED_FORM = [
    "附件 1-3",
    "机械工程制图职业技能等级证书",
    "“1+X”考点申报表",
    "单位名称",
    "地址",
    "是否试点院校",
    "☑ 是",
    "☐ 否",
    "申报类型",
    "☑ 考点",
    "☐ 省指导中心",
    "申报考核等级",
    "☑ 初级",
    "☐ 中级",
    "☐ 高级",
    "预考核规模",
    "每天最大考核量",
    "60人",
    "预计考核人数",
    "30人",
    "考点负责人",
    *CONTACT,
    "考核工作日常联系人",
    *CONTACT,
    "考试服务平台管理员",
    *CONTACT,
    "单位简介",
    "场地和设备情况",
    "场地情况",
    "其他情况",
    "申请单位意见",
    "负责人签字：",
    "（单位盖章）",
    "2022年9月18日",
    "培训评价组织审批意见",
    "负责人签字：",
    "（单位盖章）",
    "注：",
    "1. 以上内容可附页说明；",
    "2. 如有联合申报的，则由一家为主体进行申报，同时应注明联合单位的具体情况；",
    "3. 本申请表一式三份；",
    "4. 如有任何疑问请与",
    "联系。联系人：",
]


@pytest.fixture
def school(make_school):
    return make_school(examples=("roster.xlsx", "catalogue.toml", "results.xlsx", "site.toml"))


def as_read(text: str, fmt: str) -> str:
    """What a reader sees: HTML without its tags, Markdown without its escapes (and its
    table cells' <br> as the line breaks they are)."""
    if fmt == "html":
        return html_text.unescape(re.sub(r"<[^>]+>", "\n", text))
    return re.sub(r"\\(.)", r"\1", text).replace("<br>", "\n")


def missing_in_order(text: str, labels: list[str]) -> list[str]:
    """Each label not found after the one before it (a label repeated, such as 姓名 in
    each contact, is looked for after the previous one)."""
    missing, at = [], 0
    for number, label in enumerate(labels, 1):
        found = text.find(label, at)
        if found < 0:
            missing.append(f"{number}. {label}（在第{number - 1}项之后没有找到）")
        else:
            at = found + len(label)
    return missing


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_plan_has_the_seeds_headings_one_by_one(school, tmp_path, fmt):
    out = tmp_path / f"plan.{fmt}"
    assert school("render", "plan", "--year", "2023", "-o", out).exit_code == 0
    text = as_read(out.read_text(encoding="utf-8"), fmt)
    assert missing_in_order(text, SEED_PLAN) == []
    # a forward-looking plan never judges its own targets (the seed's plan does not)
    assert "达成" not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_site_application_has_the_seeds_fields_one_by_one(school, tmp_path, fmt):
    out = tmp_path / f"site.{fmt}"
    assert school("render", "site-application", "-o", out).exit_code == 0
    text = as_read(out.read_text(encoding="utf-8"), fmt)
    form = text.split("附：")[0]  # the form itself, before the database's attachment
    assert missing_in_order(form, SEED_FORM) == []
    # the organisation's box is dated by hand: its blank date line follows its signature
    approval = form[form.index("培训评价组织审批意见") :]
    assert re.search(r"（单位盖章）\s*　　年　　月　　日", approval)


def test_the_order_check_names_what_is_missing():
    """The check itself: a label out of order or absent is reported, by its number."""
    assert missing_in_order("甲乙丙", ["甲", "丙", "乙"]) == ["3. 乙（在第2项之后没有找到）"]
    assert missing_in_order("甲乙丙", ["甲", "乙", "丙"]) == []
