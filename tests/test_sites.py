"""The site profile and plan (考点申报表, 实施方案): validation, forms, privacy, printing."""

from __future__ import annotations

import re
import subprocess

import pytest
from test_render import check_golden

from xcert.resources import bundled

from conftest import NEEDS_CHROMIUM, print_to_pdf

SITE = (bundled("examples") / "site.toml").read_text(encoding="utf-8")
SAFEGUARDS = (bundled("examples") / "plan-safeguards.md").read_bytes()
PHONE, MAIL = "13800000001", "leader@example.edu.cn"


def write_site(tmp_path, text: str, name: str = "site.toml"):
    """A site profile in tmp_path, with the Markdown file its plan names beside it."""
    (tmp_path / "plan-safeguards.md").write_bytes(SAFEGUARDS)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def school(make_school):
    # not the demo's order (EXAMPLE_FILES): the site after the catalogue, no sign-off list,
    # and the teachers (the plan's 师资情况)
    return make_school(
        examples=("roster.xlsx", "catalogue.toml", "results.xlsx", "site.toml", "teachers.xlsx")
    )


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("name, args", [("site-application", []), ("plan", ["--year", "2023"])])
def test_forms_match_their_golden_files(school, tmp_path, name, args, fmt):
    out = tmp_path / f"{name}.{fmt}"
    result = school("render", name, *args, "--date", "2024-01-15", "-o", out)
    assert result.exit_code == 0, result.output
    check_golden(f"{name}.{fmt}", out.read_text(encoding="utf-8"))


def test_site_application_has_every_field_in_the_seeds_order(school):
    text = school("render", "site-application").stdout
    labels = [
        "单位名称",
        "地址",
        "是否试点院校",
        "申报类型",
        "申报考核等级",
        "预考核规模",
        "考点负责人",
        "考核工作日常联系人",
        "考试服务平台管理员",
        "单位简介",
        "场地情况",
        "其他情况",
        "申请单位意见",
        "培训评价组织审批意见",
    ]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "☑ 考点" in text and "☑ 初级" in text and "☐ 中级" in text and PHONE in text


def test_public_masks_every_phone_email_and_wechat(school, tmp_path):
    for fmt in ("md", "html"):
        out = tmp_path / f"site.{fmt}"
        school("render", "site-application", "--public", "-o", out)
        text = out.read_text(encoding="utf-8")
        if fmt == "md":  # as a reader sees it: Markdown's escapes (qian\_example) undone
            text = re.sub(r"\\(.)", r"\1", text)
        for secret in (PHONE, MAIL, "qian_example", "0758-2000001", "13800000000"):
            assert secret not in text, (fmt, secret)
        assert "138****0001" in text and "le****@example.edu.cn" in text


def test_plan_has_budget_sum_targets_and_earlier_years(school):
    text = school("render", "plan", "--year", "2023").stdout
    assert "| 合计 |  |  | 415,688 |" in text
    assert "| 2022年 | 1 | 13 | 12 | 92.3% |" in text
    # a plan looks forward: its targets are goals, judged by the self-assessment only
    assert "| 1+X 考证人数 | 不少于30人 |" in text and "| 1+X 证书通过率 | 不低于90.0% |" in text
    assert "达成" not in text and "实际" not in text


def _bad(tmp_path, old: str, new: str):
    text = SITE.replace(old, new, 1)
    assert text != SITE, old
    return write_site(tmp_path, text)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('name = "示例职业技术学校"', 'address2 = "x"', "[school] name：缺少这一项（单位名称）"),
        ('name = "示例职业技术学校"', 'address2 = "x"', "[school]：不认识的键 address2"),
        ('type = "考点"', 'type = "考场"', "type 值「考场」：应为「考点」或「省指导中心」"),
        ('levels = ["初级"]', 'levels = ["特级"]', "levels 值「特级」：不是等级"),
        ('levels = ["初级"]', "max_per_day2 = 1", "levels：缺少这一项"),
        ("max_per_day = 60", "max_per_day = -1", "max_per_day 值「-1」：应为非负整数"),
        ('mobile = "13800000001"', 'mobile = "1380000"', "mobile 值「1380000」：电话号码应为"),
        (
            'email = "leader@example.edu.cn"',
            'email = "leader.example"',
            "email 值「leader.example」：不是电子邮箱地址",
        ),
        ('name = "钱示例"', 'nickname = "钱"', "（[site.leader]）：不认识的键 nickname"),
        ("signed_on = 2022-09-18", 'signed_on = "明天"', "signed_on 值「明天」：不是日期"),
        ("pilot = true", 'pilot = "也许"', "[school] pilot 值「也许」：应为「是」或「否」"),
        ("pilot = true", "pilot = 1", "[school] pilot 值「1」：应为「是」或「否」"),
        (
            'name = "示例职业技术学校"',
            'graduation_day = "2月30日"',
            "[school] graduation_day 值「2月30日」：应为每届毕业的月、日",
        ),
        ("[plan]\nyear = 2023", "[plan]\nyear = 1999", "[plan] year 值「1999」：应为年份"),
        ("amount = 6000", "amount = -6", "第4项 [[plan.budget]] amount 值「-6」：应为非负的金额"),
    ],
)
def test_every_validation_message(cli, tmp_path, old, new, message):
    result = cli("import", _bad(tmp_path, old, new))
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_every_problem_of_a_site_file_is_a_line_of_its_own(cli, tmp_path):
    """Eleven mistakes: eleven lines naming file, table and key, value and reason, then
    one line saying nothing was written (not one 600-character line joined by ；)."""
    text = SITE
    for old, new in (
        ("pilot = true", 'pilot = "也许"'),
        ('type = "考点"', 'type = "考场"'),
        ('levels = ["初级"]', 'levels = ["特级"]'),
        ("max_per_day = 60", "max_per_day = -1"),
        ('mobile = "13800000001"', 'mobile = "1380000"'),
        ('email = "leader@example.edu.cn"', 'email = "leader.example"'),
        ('name = "钱示例"', 'nickname = "钱"'),
        ("signed_on = 2022-09-18", 'signed_on = "明天"'),
        ("[plan]\nyear = 2023", "[plan]\nyear = 1999"),
        ("amount = 6000", "amount = -6"),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    result = cli("import", write_site(tmp_path, text))
    assert result.exit_code == 1
    *problems, last = result.stderr.splitlines()
    # the nickname is one unknown key and one missing name; the budget's -6 also breaks the total
    assert len(problems) == 12, result.stderr
    assert last == "错误：site.toml：12处问题，没有写入任何数据；改正后重新导入"
    assert all(line.startswith("site.toml ") and "；" not in line for line in problems)
    assert "site.toml [school] pilot 值「也许」：应为「是」或「否」（是否试点院校）" in problems
    assert (
        "site.toml 第1个 [[site]]（机械工程制图考点） 考点负责人（[site.leader]） mobile"
        " 值「1380000」：电话号码应为11位手机号或带区号的固定电话" in problems
    )
    assert cli.query("SELECT count(*) FROM sites") == [(0,)]


def test_catalogue_and_target_problems_of_the_same_file_are_listed_too(cli, tmp_path):
    text = SITE.replace("pilot = true", 'pilot = "也许"') + (
        '\n[[certificate]]\nname = "物流管理职业技能等级证书"\nkind = "1+Y"\n'
        '\n[[target]]\nyear = 2024\nparticipants = -3\npass_rate = "很高"\n'
    )
    result = cli("import", write_site(tmp_path, text))
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) == 5, result.stderr
    assert lines[0] == "site.toml [school] pilot 值「也许」：应为「是」或「否」（是否试点院校）"
    assert lines[1] == (
        "site.toml 第1个 [[certificate]]（物流管理职业技能等级证书） kind 值「1+Y」："
        "应为「1+X」或「其他」（other）"
    )
    assert lines[2] == "site.toml 第2个 [[target]] participants 值「-3」：应为非负整数"
    assert lines[3] == (
        'site.toml 第2个 [[target]] pass_rate 值「很高」：应为比例（0.9）或百分数（"90%"）'
    )
    assert lines[4] == "错误：site.toml：4处问题，没有写入任何数据；改正后重新导入"


@pytest.mark.parametrize(
    "written, pilot",
    [('"是"', True), ('"否"', False), ("true", True), ("false", False), ('"true"', True)],
)
def test_pilot_is_written_as_a_clerk_writes_it(cli, tmp_path, written, pilot):
    path = write_site(tmp_path, SITE.replace("pilot = true", f"pilot = {written}", 1))
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert cli.query("SELECT value FROM settings WHERE key = 'school_pilot'") == [
        ("true" if pilot else "false",)
    ]
    form = cli("render", "site-application").stdout
    assert ("☑ 是　☐ 否" if pilot else "☐ 是　☑ 否") in form


def test_a_missing_contact_section_is_named(cli, tmp_path):
    path = _bad(tmp_path, "[site.admin]", "[site.admin_old]")
    result = cli("import", path)
    assert (
        result.exit_code == 1 and "考试服务平台管理员（[site.admin]）：缺少这一节" in result.stderr
    )


def test_a_budget_that_does_not_add_up_is_refused_with_the_difference(cli, tmp_path):
    result = cli("import", _bad(tmp_path, "amount = 6000", "amount = 5000"))
    assert result.exit_code == 1
    assert "[plan] total 值「415688」：预算明细合计414688元，比总额少1000元" in result.stderr
    assert cli.query("SELECT count(*) FROM plans") == [(0,)]


def test_several_sites_need_site(school, tmp_path):
    second = SITE.split("[plan]")[0].split("[[site]]", 1)[1]
    second = second.replace('name = "机械工程制图考点"', 'name = "数控车铣考点"').replace(
        "机械工程制图职业技能等级证书", "数控车铣加工职业技能等级证书"
    )
    path = tmp_path / "two.toml"
    path.write_text("[[site]]" + second, encoding="utf-8")
    assert school("import", path).exit_code == 0
    result = school("render", "site-application")
    assert result.exit_code == 1 and "请用 --site 指定" in result.stderr
    assert (
        "数控车铣加工职业技能等级证书“1+X”考点申报表"
        in school("render", "site-application", "--site", "数控车铣考点").stdout
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["plan", "--year", "2030"], "没有2030年的实施方案"),
        (["site-application", "--site", "无此考点"], "没有考点「无此考点」"),
    ],
)
def test_form_reports_refuse_clearly(school, args, message):
    result = school("render", *args)
    assert result.exit_code == 1 and message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--year", "2023", "-o", "p.xlsx"],
        ["site-application", "--format", "xlsx"],  # said "-o needed" before it said "no xlsx"
    ],
)
def test_a_form_in_xlsx_is_a_usage_mistake(school, args):
    result = school("render", *args)
    assert result.exit_code == 2 and "只有 md、html" in result.stderr  # the form's formats
    assert "-o 指定输出文件" not in result.stderr


def test_reimporting_the_site_file_changes_nothing(school):
    school("import", bundled("examples") / "roster-gbk.csv")  # no shortcut: data changed since
    result = school("import", bundled("examples") / "site.toml")
    assert "新增 0，更新 0" in result.stdout


def _pdf_pages(pdf) -> list[str]:
    """The text of each page of a PDF (poppler's pdftotext, page by page)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


@NEEDS_CHROMIUM
def test_site_application_prints_as_a_form_then_its_attachment_on_a_page_of_its_own(
    school, tmp_path
):
    html = tmp_path / "site.html"
    school("render", "site-application", "-o", html)
    pdf = tmp_path / "site.pdf"
    print_to_pdf(html, pdf)
    *form, attachment = _pdf_pages(pdf)
    assert 1 <= len(form) <= 2
    form_text = "".join(form)
    for field in ("考点申报表", "示例职业技术学校", "联合单位", "负责人签字", "本申请表一式三份"):
        assert field in form_text, field
    # the school's box dated as signed; the organisation's blank, to write by hand
    lines = form_text.splitlines()
    signed = next(i for i, line in enumerate(lines) if "2022年9月18日" in line)
    approval = next(i for i, line in enumerate(lines) if "审批意见" in line)
    assert signed < approval
    assert any(re.fullmatch(r"\s+年\s+月\s+日\s*", line) for line in lines[approval:])
    assert "由 xcert 生成" not in form_text and "2026年11月25日" not in form_text  # no today
    assert "附：本校机械工程制图职业技能等级证书考核情况" in attachment
    assert "附：" not in form_text and "单位简介" not in attachment
    # a long field keeps its line breaks: the introduction's second line starts a line
    assert re.search(r"^\s*\S*\s*学校成立技能等级考试中心", form_text, re.M), form_text


@NEEDS_CHROMIUM
def test_plan_prints_every_section_and_ends_with_the_school_and_its_date(school, tmp_path):
    html = tmp_path / "plan.html"
    school("render", "plan", "--year", "2023", "-o", html)
    pdf = tmp_path / "plan.pdf"
    print_to_pdf(html, pdf)
    pages = _pdf_pages(pdf)
    text = "".join(pages)
    for heading in ("一、项目建设的必要性", "四、设备采购清单", "七、项目建设保障机制"):
        assert heading in text, heading
    assert "由 xcert 生成" not in text and "2026年11月25日" not in text
    last = [
        line.strip()
        for line in pages[-1].splitlines()
        if line.strip() and not re.fullmatch(r"第\d+页 共\d+页", line.strip())  # page number
    ]
    assert last[-2:] == ["示例职业技术学校", "2022年11月18日"]
    # right-aligned: the signature starts in the right half of the line
    signature = next(line for line in pages[-1].splitlines() if "2022年11月18日" in line)
    assert signature.index("2022") > 40, signature


def test_big_amounts_print_in_full(cli, tmp_path):
    text = SITE.split("[plan]")[0] + (
        "[plan]\nyear = 2024\ntotal = 1499999.3\n"
        '[[plan.budget]]\nitem = "设备"\namount = 1234567.1\n'
        '[[plan.budget]]\nitem = "培训"\namount = 265432.2\n'
    )
    path = tmp_path / "big.toml"
    path.write_text(text, encoding="utf-8")
    assert cli("import", path).exit_code == 0
    out = cli("render", "plan", "--year", "2024").stdout
    assert "1,234,567.1" in out and "265,432.2" in out and "1,499,999.3" in out and "e+" not in out
    path.write_text(text.replace("total = 1499999.3", "total = 1500000.3"), encoding="utf-8")
    assert (
        "[plan] total 值「1500000.3」：预算明细合计1499999.3元，比总额少1元"
        in cli("import", path).stderr
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ('school = "x"\n', "bad.toml school 值「x」：应写成 [school] 表"),
        ("plan = 3\n", "bad.toml plan 值「3」：应写成 [plan] 表"),
        ("site = [1]\n", "bad.toml site 值「[1]」：应写成 [[site]] 表数组"),
        (
            "[plan]\nyear = 2023\nbudget = 5\n",
            "[plan] budget 值「5」：应写成 [[plan.budget]] 表数组",
        ),
        (
            '[plan]\nyear = 2023\ncertificates = "机械工程制图"\n',
            "[plan] certificates 值「机械工程制图」：应写成证书名称的列表",
        ),
        ("[plan]\nyear = 2023\nbudjet = 1\n", "bad.toml [plan]：不认识的键 budjet"),
        (
            '[plan]\nyear = 2023\n[[plan.budget]]\nitem = "x"\namont = 1\n',
            "bad.toml 第1项 [[plan.budget]]：不认识的键 amont",
        ),
    ],
)
def test_tables_of_the_wrong_shape_are_refused_naming_the_key(cli, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 1 and message in result.stderr and "内部错误" not in result.output


def test_public_masks_contacts_written_in_free_text_too(cli, tmp_path):
    text = SITE.replace(
        "已有5名教师取得考评员资格，",
        "已有5名教师。联系电话 13912345678，邮箱 boss@school.cn，微信 wx_boss",
    )
    cli("import", write_site(tmp_path, text))
    out = cli("render", "site-application", "--public").stdout
    for secret in ("13912345678", "boss@school.cn", "wx_boss"):
        assert secret not in out


def test_plan_without_a_year_is_a_usage_error(school):
    result = school("render", "plan")
    assert result.exit_code == 2 and "需要 --year" in result.stderr


def _form(cli, tmp_path, fmt: str, *args: str) -> str:
    out = tmp_path / f"form.{fmt}"
    result = cli("render", "site-application", *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_the_form_has_its_notes_partners_attachments_and_boxes_to_sign(school, tmp_path):
    page = _form(school, tmp_path, "html")
    assert '<p class="label">附件 1-3</p>' in page
    assert '<tr><th>联合单位</th><td colspan="5" class="long">示例市第二职业学校' in page
    assert (
        "<p>注：1. 以上内容可附页说明；</p>\n"
        "<p>2. 如有联合申报的，则由一家为主体进行申报，同时应注明联合单位的具体情况；</p>\n"
        "<p>3. 本申请表一式三份；</p>\n"
        "<p>4. 如有任何疑问请与示例培训评价组织甲联系。联系人：赵示例，电话：13800000000"
        "（微信同号）。</p>"
    ) in page
    assert "<p>附件：1. 考点场地及设备照片</p>\n<p>2. 考评员证书复印件</p>" in page
    # each box tall enough for a seal, its date right-aligned: signed, or blank by hand
    assert "table.form .box { height: 42mm;" in page and "text-align: right" in page
    assert "（单位盖章）</p><p>2022年9月18日</p>" in page
    assert "（单位盖章）</p><p>　　年　　月　　日</p>" in page
    # no date of printing, no footer; long fields keep their line breaks
    assert "由 xcert 生成" not in page and 'class="meta"' not in page
    assert "td.long { white-space: pre-line;" in page
    assert "受众面广。\n学校成立技能等级考试中心" in page
    # the database's figures: an attachment after a page break, not on the form
    form, attachment = page.split('<section class="appendix">')
    assert "2022年</td><td>13</td>" in attachment and "<td>13</td>" not in form
    assert "section.appendix { page-break-before: always;" in page


def test_a_profile_without_the_new_keys_leaves_the_fields_blank(cli, tmp_path):
    text = SITE.split("[plan]")[0]
    for line in ("partners = ", "label = ", "attachments = ", "organisation_contact = "):
        text = "\n".join(row for row in text.splitlines() if not row.startswith(line))
    text = text.replace("signed_on = 2022-09-18", "approved_on = 2022-10-08")
    assert cli("import", write_site(tmp_path, text)).exit_code == 0
    page = _form(cli, tmp_path, "html")
    assert '<p class="label">' not in page and "附件：" not in page
    assert '<tr><th>联合单位</th><td colspan="5" class="long"></td></tr>' in page
    assert "<p>4. 如有任何疑问请与示例培训评价组织甲联系。</p>" in page
    assert "（单位盖章）</p><p>　　年　　月　　日</p>" in page  # the school's: blank
    assert "（单位盖章）</p><p>2022年10月8日</p>" in page  # the organisation's: as approved
    assert '<section class="appendix">' not in page  # the database has nothing of it
    md = _form(cli, tmp_path, "md")
    assert md.startswith("# 机械工程制图职业技能等级证书“1+X”考点申报表\n\n| 项目 | 内容 |")
    assert "| 联合单位 |  |" in md and "4. 如有任何疑问请与示例培训评价组织甲联系。\n" in md


def test_the_attachment_counts_the_students_entered_for_the_sites_sessions(school, tmp_path):
    added = school(
        "session", "add", "--cert", "机械工程制图", "--level", "初级", "--date", "2026-12-12"
    )
    assert added.exit_code == 0, added.output
    session = school.query("SELECT max(id) FROM sessions")[0][0]
    registered = school("register", "--session", session, "--class", "22模具1")
    assert registered.exit_code == 0, registered.output
    entered = school.query("SELECT count(*) FROM registrations")[0][0]
    page = _form(school, tmp_path, "md")
    form, attachment = page.split("\n---\n")
    assert f"截至2026年11月25日，已报名待考{entered}人。" in attachment
    assert "已报名" not in form and "预计考核人数30人 |" in form


def test_public_masks_the_partners_and_the_organisations_contact(cli, tmp_path):
    text = SITE.replace("派出考评员2名）", "派出考评员2名，联系电话 13912345678）")
    cli("import", write_site(tmp_path, text))
    page = _form(cli, tmp_path, "html", "--public")
    assert "13912345678" not in page and "139****5678" in page
    assert "13800000000" not in page and "联系人：赵示例，电话：138****0000" in page


def test_the_self_assessment_judges_the_targets_the_plan_sets(school, tmp_path):
    for fmt in ("md", "html"):
        out = tmp_path / f"self-assessment.{fmt}"
        result = school(
            "render", "self-assessment", "--year", "2023", "--date", "2024-01-15", "-o", out
        )
        assert result.exit_code == 0, result.output
        check_golden(f"self-assessment.{fmt}", out.read_text(encoding="utf-8"))
    md = (tmp_path / "self-assessment.md").read_text(encoding="utf-8")
    assert "| 2023年 | 1+X 考证人数 | 30 | 14 | 未达成 |" in md
    assert "|  | 1+X 证书通过率 | 90.0% | 100.0% | 达成 |" in md
    assert "| 2023年 | 数控车铣加工职业技能等级证书 | 14 | 14 | 0 | 100.0% |" in md


def test_the_self_assessment_in_xlsx_has_numbers_and_its_judgements(school, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "自评.xlsx"
    assert school("render", "self-assessment", "--year", "2023", "-o", out).exit_code == 0
    book = load_workbook(out)
    judged, by_cert = book.worksheets
    # row 1 the title, row 2 the school and date, row 3 the header
    rows = [[c.value for c in row] for row in judged.iter_rows(min_row=4)]
    assert rows[0] == ["2023年", "1+X 考证人数", 30, 14, "未达成"]
    assert rows[1][2:] == [pytest.approx(0.9), pytest.approx(1.0), "达成"]
    assert [c.value for c in by_cert[4]][1:4] == ["数控车铣加工职业技能等级证书", 14, 14]


@pytest.mark.parametrize(
    "args, code, message",
    [
        ([], 2, "self-assessment 需要 --year，例如 --year 2023"),
        (["--year", "2021"], 1, "没有2021年的绩效目标：先导入带 [[target]] year = 2021 的文件"),
        (["--year", "2023", "--major", "数控"], 2, "self-assessment 不用这个选项"),
    ],
)
def test_the_self_assessment_refuses_clearly(school, args, code, message):
    result = school("render", "self-assessment", *args)
    assert result.exit_code == code and message in result.stderr, result.stderr


def test_a_year_not_over_is_judged_as_of_the_reports_date(school, tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[[target]]\nyear = 2026\nparticipants = 10\n", encoding="utf-8")
    assert school("import", path).exit_code == 0
    text = school("render", "self-assessment", "--year", "2026").stdout
    assert "> 注：2026年尚未结束：实际数是截至2026年11月25日的数字" in text
    assert "尚未结束" not in school("render", "self-assessment", "--year", "2023").stdout
