"""The implementation plan's own words and parts ([plan] funding, number, date,
[[plan.sections]], [[plan.equipment]]): checked at import, stored, laid out as seed 000's
plan; an older profile without them still imports and prints what it always printed."""

from __future__ import annotations

import json
import re

import pytest

from xcert.output import prose
from xcert.output.reports.forms import sign_date
from xcert.output.sandbox import environment
from xcert.output.tables import Table, markdown_table

SCHOOL = '[school]\nname = "示例学校"\n\n'
PLAN = """[plan]
year = 2023
certificates = ["机械工程制图"]
total = 1000

[[plan.budget]]
item = "试点项目"
sub_item = "考核设备"
content = "电脑"
amount = 600

[[plan.budget]]
item = "试点项目"
sub_item = "考核设备"
content = "打印机"
amount = 300

[[plan.budget]]
item = "试点项目"
sub_item = "师资培训"
content = "培训"
amount = 100
"""


def load(cli, tmp_path, text: str, name: str = "site.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return cli("import", path)


def headings(text: str) -> list[str]:
    return re.findall(r"^## (.*)$", text, re.M)


def test_an_older_profile_still_imports_and_its_plan_has_no_placeholder(cli, tmp_path):
    """No funding, number, date, section or equipment: nothing is stored for them, and the
    plan is xcert's parts in their order, the date to sign left blank."""
    result = load(cli, tmp_path, SCHOOL + PLAN)
    assert result.exit_code == 0, result.output
    stored = json.loads(cli.query("SELECT data FROM plans")[0][0])
    assert set(stored) == {"year", "certificates", "budget", "total"}
    text = cli("render", "plan", "--year", "2023").stdout
    assert text.startswith("示例学校\n\n# 2023年 1+X 证书制度试点项目建设实施方案\n")
    assert headings(text) == [
        "一、试点证书",
        "二、往年 1+X 证书试点情况",
        "三、资金需求",
        "四、师资情况",
    ]
    assert text.rstrip().endswith("示例学校\n\n　　年　　月　　日")
    assert "None" not in text and "文号" not in text and "设备" not in text.split("资金需求")[0]


def test_sections_come_in_the_schools_order_each_with_the_parts_it_shows(cli, tmp_path):
    sections = """
[[plan.sections]]
title = "项目建设的必要性"
text = "第一段。\\n第二段。"

[[plan.sections]]
title = "项目的资金需求情况"
text = "共需资金1000元："
show = ["budget"]
"""
    assert load(cli, tmp_path, SCHOOL + PLAN + sections).exit_code == 0
    text = cli("render", "plan", "--year", "2023").stdout
    # the parts no section shows follow, each a section of its own, in xcert's order
    assert headings(text) == [
        "一、项目建设的必要性",
        "二、项目的资金需求情况",
        "三、试点证书",
        "四、往年 1+X 证书试点情况",
        "五、师资情况",
    ]
    needs = text.split("## 二、")[1].split("## 三、")[0]
    assert needs.index("共需资金1000元：") < needs.index("**资金需求**") < needs.index("| 合计 |")
    assert "第一段。\n\n第二段。" in text  # each line a paragraph


def test_the_budget_merges_its_items_and_sub_items_with_their_sums(cli, tmp_path, xlsx):
    load(cli, tmp_path, SCHOOL + PLAN)
    md = cli("render", "plan", "--year", "2023").stdout
    assert (
        "| 试点项目（1,000元） | 考核设备（900元） | 电脑 | 600 |\n"
        "|  |  | 打印机 | 300 |\n"
        "|  | 师资培训（100元） | 培训 | 100 |\n"
        "| 合计 |  |  | 1,000 |"
    ) in md
    out = tmp_path / "plan.html"
    cli("render", "plan", "--year", "2023", "-o", out)
    page = out.read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('id="budget"')[1].split("</table>")[0])
    assert rows[1:] == [
        '<td rowspan="3" class="text">试点项目（1,000元）</td>'
        '<td rowspan="2" class="text">考核设备（900元）</td>'
        '<td class="text">电脑</td><td>600</td>',
        '<td class="text">打印机</td><td>300</td>',
        '<td class="text">师资培训（100元）</td><td class="text">培训</td><td>100</td>',
        '<td class="text">合计</td><td class="text"></td><td class="text"></td><td>1,000</td>',
    ]


def test_the_whole_plan_from_its_profile(cli, tmp_path):
    """文号, funding in the title, the date to sign, equipment with its sums and notes,
    a section's text from a Markdown file (read at import: rendering needs no file)."""
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "保障.md").write_text(
        "　　总的要求。\n\n## 1. 制度保障\n\n1. 制定办法；\n（一）按月检查。\n", encoding="utf-8"
    )
    extra = """funding = "现代职业教育质量提升计划专项资金"
number = "示职办〔2022〕18号"
date = "2022年11月5日"

[[plan.sections]]
title = "项目建设保障机制"
file = "plan/保障.md"

[[plan.sections]]
title = "设备采购清单"
text = "清单如下："
show = "equipment"

[[plan.equipment]]
name = "电脑"
spec = "i5，16GB"
quantity = 3
unit = "台"
price = 200
amount = 600

[[plan.equipment]]
name = "打印机"
quantity = 1
unit = "台"
price = 300.5
note = "A3"
"""
    text = SCHOOL + PLAN.replace("total = 1000\n", "total = 1000\n" + extra)
    assert load(cli, tmp_path, text).exit_code == 0
    (tmp_path / "plan" / "保障.md").unlink()  # stored at import
    md = cli("render", "plan", "--year", "2023").stdout
    assert md.startswith(
        "示例学校\n\n示职办〔2022〕18号\n\n"
        "# 2023年现代职业教育质量提升计划专项资金 1+X 证书制度试点项目建设实施方案\n"
    )
    assert (
        "## 一、项目建设保障机制\n\n总的要求。\n\n### 1. 制度保障\n\n1\\. 制定办法；\n\n（一）按月检查。\n"
        in md
    )
    assert "| 1 | 电脑 | i5，16GB | 3 | 台 | 200 | 600 |  |" in md
    assert "| 2 | 打印机 |  | 1 | 台 | 300.5 | 300.5 | A3 |" in md
    assert "| 合计 |  |  |  |  |  | 900.5 |  |" in md
    assert md.rstrip().endswith("示例学校\n\n2022年11月5日")
    out = tmp_path / "plan.html"
    cli("render", "plan", "--year", "2023", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert '<p class="issuer">示例学校</p>\n<p class="number">示职办〔2022〕18号</p>' in page
    assert '<h3 class="sub">1. 制度保障</h3>\n<p class="para">1. 制定办法；</p>' in page
    assert '<div class="signature">\n<p>示例学校</p>\n<p>2022年11月5日</p>' in page
    assert "由 xcert 生成" not in page and 'class="meta"' not in page  # no date of printing


def test_a_changed_markdown_file_is_read_again_on_the_next_import(cli, tmp_path):
    """The TOML file unchanged, its section's file changed: the import is not skipped as
    the same file again, and the plan's text follows the file."""
    (tmp_path / "a.md").write_text("旧的正文。", encoding="utf-8")
    text = SCHOOL + PLAN + '\n[[plan.sections]]\ntitle = "必要性"\nfile = "a.md"\n'
    assert load(cli, tmp_path, text).exit_code == 0
    (tmp_path / "a.md").write_text("新的正文。", encoding="utf-8")
    again = load(cli, tmp_path, text)
    assert again.exit_code == 0 and "更新 1" in again.stdout, again.stdout
    plan = cli("render", "plan", "--year", "2023").stdout
    assert "新的正文。" in plan and "旧的正文。" not in plan
    assert "未变 1" in load(cli, tmp_path, text).stdout  # nothing new: nothing changes


def test_the_plans_text_is_printed_as_text(cli, tmp_path):
    """A school's text can hold no markup: HTML escaped, Markdown's signs shown as typed."""
    text = (
        SCHOOL
        + PLAN
        + ('\n[[plan.sections]]\ntitle = "必要性"\ntext = "<b>粗</b> **星** 1) 项 - 横"\n')
    )
    load(cli, tmp_path, text)
    out = tmp_path / "plan.html"
    cli("render", "plan", "--year", "2023", "-o", out)
    assert "&lt;b&gt;粗&lt;/b&gt; **星** 1) 项 - 横" in out.read_text(encoding="utf-8")
    md = cli("render", "plan", "--year", "2023").stdout
    assert "&lt;b&gt;粗&lt;/b&gt; \\*\\*星\\*\\* 1) 项 - 横" in md


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            '[[plan.sections]]\ntitle = "必要性"\ntext = "x"\nshow = ["budjet"]',
            "第1节 [[plan.sections]]（必要性） show 值「budjet」：不认识（可用：certificates、"
            "history、budget、equipment、teachers、targets）",
        ),
        (
            '[[plan.sections]]\ntitle = "甲"\nshow = ["budget"]\n'
            '[[plan.sections]]\ntitle = "乙"\nshow = ["budget"]',
            "第2节 [[plan.sections]]（乙） show 值「budget」：已在第1节显示过",
        ),
        (
            '[[plan.sections]]\ntitle = "设备"\nshow = ["equipment"]',
            "第1节 [[plan.sections]]（设备） show 值「equipment」：没有 [[plan.equipment]] 可显示",
        ),
        (
            '[[plan.sections]]\ntitle = "必要性"\nfile = "无此文件.md"',
            "第1节 [[plan.sections]]（必要性） file 值「无此文件.md」："
            "找不到这个文件（从这个 TOML 文件所在的文件夹找起）",
        ),
        (
            '[[plan.sections]]\ntitle = "必要性"\nfile = "gbk.md"',
            "file 值「gbk.md」：不是 UTF-8 编码的文本（请用记事本等另存为 UTF-8）",
        ),
        (
            '[[plan.sections]]\ntitle = "必要性"\ntext = "x"\nfile = "a.md"',
            "第1节 [[plan.sections]]（必要性）：text 和 file 只能写一个",
        ),
        (
            '[[plan.sections]]\ntitle = "必要性"',
            "第1节 [[plan.sections]]（必要性）：缺少 text 或 file（这一节的正文），或 show（显示的表）",
        ),
        (
            '[[plan.sections]]\ntitle = "必要性"\ntext = ""',
            "第1节 [[plan.sections]]（必要性）：缺少 text 或 file",
        ),
        (
            '[[plan.sections]]\ntitle = "一、项目建设的必要性"\ntext = "x"',
            "title 值「一、项目建设的必要性」：标题不用写序号（按顺序自动编为一、二、三……）",
        ),
        (
            '[[plan.sections]]\ntext = "x"',
            "第1节 [[plan.sections]] title：缺少这一项（这一节的标题）",
        ),
        (
            '[[plan.sections]]\ntitle = "x"\ntext = "x"\nfiles = "a.md"',
            "第1节 [[plan.sections]]（x）：不认识的键 files",
        ),
        (
            '[[plan.equipment]]\nname = "电脑"\nquantity = 48\nprice = 6500\namount = 310000',
            "第1项 [[plan.equipment]]（电脑） amount 值「310000」："
            "数量48×单价6500元是312000元，与金额不符",
        ),
        (
            '[[plan.equipment]]\nname = "电脑"\nquantity = 0\nprice = 1',
            "第1项 [[plan.equipment]]（电脑） quantity 值「0」：应为正整数（数量）",
        ),
        (
            "[[plan.equipment]]\nquantity = 1\nprice = -1",
            "第1项 [[plan.equipment]] price 值「-1」：应为非负的金额（元）",
        ),
        (
            "[[plan.equipment]]\nquantity = 1\nprice = 1",
            "第1项 [[plan.equipment]] name：缺少这一项",
        ),
    ],
)
def test_every_problem_of_the_plans_new_parts_is_named(cli, tmp_path, extra, message):
    (tmp_path / "gbk.md").write_bytes("正文".encode("gbk"))
    (tmp_path / "a.md").write_text("正文", encoding="utf-8")
    result = load(cli, tmp_path, SCHOOL + PLAN + "\n" + extra + "\n")
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert cli.query("SELECT count(*) FROM plans") == [(0,)]


@pytest.mark.parametrize(
    "line, message",
    [
        ('number = "甲\\n乙"', "[plan] number 值「甲\n乙」：应为一行文字（文号）"),
        ("funding = 3", "[plan] funding 值「3」：应为一行文字（资金来源）"),
        ('date = "明天"', "[plan] date 值「明天」：不是日期"),
        ('date = "2022.9-10"', "[plan] date 值「2022.9-10」：是一段时间，应为某一天（或某月）"),
    ],
)
def test_the_plans_number_funding_and_date_are_checked(cli, tmp_path, line, message):
    result = load(cli, tmp_path, SCHOOL + PLAN.replace("total = 1000", f"total = 1000\n{line}"))
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_a_plan_dated_by_month_leaves_the_day_to_write_by_hand(cli, tmp_path):
    load(cli, tmp_path, SCHOOL + PLAN.replace("total = 1000", 'total = 1000\ndate = "2022.11"'))
    assert cli("render", "plan", "--year", "2023").stdout.rstrip().endswith("2022年11月　　日")


def test_paragraphs_keep_their_numbers_and_lose_the_typed_indent():
    blocks = prose.blocks("　　第一段。\n\n  1. 第一项；\n（一）小项\n### 小标题 ###\n#不是标题")
    assert blocks == [
        prose.Block("第一段。"),
        prose.Block("1. 第一项；"),
        prose.Block("（一）小项"),
        prose.Block("小标题", heading=True),
        prose.Block("#不是标题"),
    ]
    assert [b.markdown for b in blocks] == [
        "第一段。",
        "1\\. 第一项；",
        "（一）小项",
        "### 小标题",
        "\\#不是标题",
    ]


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("2022-11-05", "2022年11月5日"),
        ("2022-11", "2022年11月　　日"),
        ("2022", "2022年　　月　　日"),
        (None, "　　年　　月　　日"),
    ],
)
def test_a_date_to_sign_leaves_blank_what_is_not_known(stored, shown):
    assert sign_date(stored) == shown


def test_any_table_prints_its_merged_columns_as_one_cell():
    """table.html and Markdown, for any Table: a merged column's equal neighbours become
    one cell (rowspan), within the spans of the merged columns to its left."""
    table = Table(
        "t",
        ["甲", "乙", "丙"],
        [["a", "x", 1], ["a", "x", 2], ["a", "y", 3], ["b", "y", 4]],
        merged=(1, 2),
    )
    assert table.spans() == [[3, 2, 1], [0, 0, 1], [0, 1, 1], [1, 1, 1]]
    page = (
        environment().get_template("table.html").render(table=table, text_columns=[], table_id="t1")
    )
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    assert rows[1:] == [
        '<td rowspan="3">a</td><td rowspan="2">x</td><td>1</td>',
        "<td>2</td>",
        "<td>y</td><td>3</td>",
        "<td>b</td><td>y</td><td>4</td>",  # y again, but under another 甲: not merged
    ]
    assert markdown_table(table).splitlines()[2:] == [
        "| a | x | 1 |",
        "|  |  | 2 |",
        "|  | y | 3 |",
        "| b | y | 4 |",
    ]
