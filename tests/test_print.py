"""HTML reports printed as a clerk prints them: headless Chromium to an A4 PDF, read back
with poppler. Every page numbered 第X页 共Y页, every heading and cell on paper, no number
split from its unit nor an e-mail across a line, a heading never alone at a page's foot,
the rows a merged cell spans on one page, a long table's header on each page, free text
with its line breaks, the official style's margins and title size."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from xcert.output import charts
from xcert.output.typeset import typeset
from xcert.resources import bundled

from conftest import AUTOCAD, NEEDS_CHROMIUM, print_to_pdf

needs_chromium = NEEDS_CHROMIUM
MM = 72 / 25.4  # PDF points in a millimetre


@dataclass(frozen=True)
class Printed:
    """A printed PDF: each page's lines as the eye reads them (words at the same height,
    left to right, spaces dropped), the text in drawing order, and each page's words."""

    pages: list[list[str]]
    raw: str
    words: list[list[tuple[float, float, float, float, str]]]

    def text(self) -> str:
        return "\n".join(line for page in self.pages for line in page)


def printed(html: Path) -> Printed:
    pdf = html.with_suffix(".pdf")
    print_to_pdf(html, pdf)
    raw = _poppler("pdftotext", "-raw", str(pdf), "-")
    bbox = _poppler("pdftotext", "-bbox", str(pdf), "-")
    words = [
        [
            (float(x0), float(y0), float(x1), float(y1), _unescape(word))
            for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                page,
            )
        ]
        for page in bbox.split("<page ")[1:]
    ]
    return Printed([_lines(page) for page in words], raw, words)


def _poppler(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text)


def _lines(words: list[tuple[float, float, float, float, str]]) -> list[str]:
    """Words whose heights overlap by more than half make one line."""
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for word in sorted(words, key=lambda w: ((w[1] + w[3]) / 2, w[0])):
        if lines:
            last = lines[-1][0]
            overlap = min(last[3], word[3]) - max(last[1], word[1])
            if overlap > 0.5 * min(last[3] - last[1], word[3] - word[1]):
                lines[-1].append(word)
                continue
        lines.append([word])
    return ["".join(w[4] for w in sorted(line, key=lambda w: w[0])) for line in lines]


class _Texts(HTMLParser):
    """What a page shows: each cell's, heading's and line's text (not the style, not the
    chart), and the tokens typeset keeps whole (class nb)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tokens: list[str] = []
        self._stack: list[str] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = "nb" if ("class", "nb") in attrs else tag
        self._stack.append(kind)
        if kind in ("td", "th", "h1", "h2", "li", "p", "nb", "title"):
            self._open.append([])

    def handle_endtag(self, tag: str) -> None:
        kind = self._stack.pop() if self._stack else tag
        if kind in ("td", "th", "h1", "h2", "li", "p", "nb", "title"):
            text = re.sub(r"\s+", "", "".join(self._open.pop()))
            if text and kind != "title":
                (self.tokens if kind == "nb" else self.texts).append(text)
            if self._open and kind == "nb":
                self._open[-1].append(text)

    def handle_data(self, data: str) -> None:
        if self._open and "style" not in self._stack and "svg" not in self._stack:
            self._open[-1].append(data)


def shown(html: Path) -> _Texts:
    parser = _Texts()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def demo_printed(demo_folder: Path) -> dict[str, tuple[Path, Printed]]:
    pages = {}
    for html in sorted(demo_folder.glob("*.html")):
        pages[html.stem] = (html, printed(html))
    names = {name.split("-20")[0] for name in pages}  # summary-DATE
    assert {"pass-rates", "dual-certificate", "sign-list", "site-application", "plan"} <= names
    assert "summary" in names
    return pages


@needs_chromium
def test_every_demo_page_is_numbered_and_carries_no_generation_line(demo_printed):
    for name, (_, pdf) in demo_printed.items():
        total = len(pdf.pages)
        for number, lines in enumerate(pdf.pages, 1):
            assert f"第{number}页共{total}页" in lines, (name, number, lines[-3:])
        assert "由 xcert 生成" not in pdf.raw and "由xcert生成" not in pdf.text(), name


@needs_chromium
def test_every_heading_cell_and_line_of_the_demo_is_on_paper(demo_printed):
    for name, (html, pdf) in demo_printed.items():
        paper = re.sub(r"\s+", "", pdf.raw)
        texts = shown(html).texts
        assert len(texts) > 10, name
        missing = [text for text in texts if text not in paper]
        assert not missing, (name, missing)


@needs_chromium
def test_no_number_leaves_its_unit_and_no_email_breaks_across_a_line(demo_printed):
    emails = re.findall(r'email = "(.+?)"', (bundled("examples") / "site.toml").read_text("utf-8"))
    kept = 0
    for name, (html, pdf) in demo_printed.items():
        lines = [line for page in pdf.pages for line in page]
        tokens = shown(html).tokens + (emails if name == "site-application" else [])
        for token in set(tokens):
            on_paper = sum(line.count(token) for line in lines)
            assert on_paper >= tokens.count(token), (name, token)
            kept += on_paper
    assert kept > 40  # 2022年, 13人, 2026-12-02, the contacts' e-mails …


@needs_chromium
def test_the_summary_headers_print_as_words_not_a_character_a_line(demo_printed):
    (_, pdf), *_ = [v for k, v in demo_printed.items() if k.startswith("summary")]
    header = next(line for line in pdf.pages[0] if "文件或内容" in line)
    for label in ("编号", "时间", "操作", "新增", "更新", "拒绝"):
        assert label in header, header


@needs_chromium
def test_a_long_list_spans_pages_with_its_header_on_each(make_school, tmp_path):
    roster = [["学号", "姓名", "班级", "专业", "届别", "学籍状态"]]
    roster += [
        [f"B{i:03d}", f"学生{i:03d}", "20数控1", "数控技术应用", 2023, "毕业"] for i in range(90)
    ]
    awards = [
        [f"B{i:03d}", AUTOCAD["name"], None, "2022.5-6", "2022.9.28", None] for i in range(90)
    ]
    school = make_school(roster=roster, certificates=[AUTOCAD], awards=awards)
    html = tmp_path / "sign.html"
    assert school("render", "sign-list", "--class", "20数控1", "-o", html).exit_code == 0
    pdf = printed(html)
    assert len(pdf.pages) >= 3
    for number, lines in enumerate(pdf.pages, 1):
        header = next(i for i, line in enumerate(lines) if "证书签领人" in line)
        assert "序号" in lines[header] and "姓名" in lines[header]
        assert all("学生" not in line for line in lines[:header])  # the header tops the page
        assert f"第{number}页共{len(pdf.pages)}页" in lines
    names = re.findall(r"学生\d{3}", pdf.text())
    assert sorted(names) == [f"学生{i:03d}" for i in range(90)]  # each row once, none cut


def _own_template(tmp_path: Path, body: str) -> Path:
    """A school's own pass-rates page over base.html, as `--templates` uses it."""
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    text = '{% extends "base.html" %}\n{% block body %}\n' + body + "\n{% endblock %}\n"
    (folder / "pass-rates.html").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def school(make_school):
    return make_school(examples=("roster.xlsx", "catalogue.toml", "results.xlsx", "site.toml"))


@needs_chromium
def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(school, tmp_path):
    # sections of every length, so some heading falls at a page's foot wherever pages end
    folder = _own_template(
        tmp_path,
        "{% for n in range(1, 60) %}<h2>第{{ n }}节标题</h2>\n<table><thead><tr><th>项目</th>"
        "<th>数值</th></tr></thead><tbody>{% for i in range(n % 6 + 1) %}"
        "<tr><td>第{{ n }}节第{{ i }}行</td><td>{{ i }}</td></tr>{% endfor %}</tbody></table>\n"
        "{% endfor %}",
    )
    html = tmp_path / "sections.html"
    assert school("render", "pass-rates", "--templates", folder, "-o", html).exit_code == 0
    pdf = printed(html)
    assert len(pdf.pages) >= 4
    page_of: dict[str, int] = {}
    for number, lines in enumerate(pdf.pages, 1):
        for line in lines:
            for key in re.findall(r"第\d+节(?:标题|第0行)", line):
                page_of[key] = number
    for n in range(1, 60):
        assert page_of[f"第{n}节标题"] == page_of[f"第{n}节第0行"], n


@needs_chromium
def test_the_rows_a_merged_cell_spans_stay_on_one_page(school, tmp_path):
    folder = _own_template(
        tmp_path,
        "<table><thead><tr><th>项目</th><th>分项</th></tr></thead><tbody>\n"
        "{% for g in range(1, 40) %}{% set rows = g % 5 + 2 %}"
        '<tr><td rowspan="{{ rows }}">合并{{ g }}组</td><td>甲{{ g }}组第0行</td></tr>\n'
        "{% for i in range(1, rows) %}<tr><td>甲{{ g }}组第{{ i }}行</td></tr>\n{% endfor %}"
        "{% endfor %}</tbody></table>",
    )
    html = tmp_path / "merged.html"
    assert school("render", "pass-rates", "--templates", folder, "-o", html).exit_code == 0
    pdf = printed(html)
    assert len(pdf.pages) >= 3
    pages: dict[str, set[int]] = {}
    for number, lines in enumerate(pdf.pages, 1):
        for line in lines:
            for group in re.findall(r"(?:合并|甲)(\d+)组", line):
                pages.setdefault(group, set()).add(number)
    assert len(pages) == 39
    split = {group: found for group, found in pages.items() if len(found) > 1}
    assert not split


@needs_chromium
def test_free_text_keeps_its_line_breaks_and_its_tokens(school, tmp_path):
    # a Latin token and a number with its unit at every offset of a line: wherever lines
    # end, none is split (typeset), and the text's own line breaks stay (pre-line)
    mail = "leader-long-address@example.edu.cn"
    folder = _own_template(
        tmp_path,
        '<p class="text">{% for k in range(40) %}'
        '{{ ("很" * k ~ "于2022年度联系MAIL，共" ~ k ~ "人。") | typeset }}\n{% endfor %}</p>'.replace(
            "MAIL", mail
        ),
    )
    html = tmp_path / "free.html"
    assert school("render", "pass-rates", "--templates", folder, "-o", html).exit_code == 0
    lines = printed(html).text().splitlines()
    assert sum(line.count(mail) for line in lines) == 40
    assert sum(line.count("2022年") for line in lines) == 40
    assert sum(bool(re.search(r"共\d+人。$", line)) for line in lines) == 40  # each ends a line
    assert not [line for line in lines if line[:1] in "，。"]


@needs_chromium
def test_the_official_style_prints_with_gbt_9704_margins_and_a_2_hao_title(school, tmp_path):
    plain, official = tmp_path / "plain.html", tmp_path / "official.html"
    assert school("render", "pass-rates", "-o", plain).exit_code == 0
    assert school("render", "pass-rates", "--style", "official", "-o", official).exit_code == 0
    assert "仿宋_GB2312" in official.read_text(encoding="utf-8")
    assert "仿宋" not in plain.read_text(encoding="utf-8")
    words = printed(official).words[0]
    body = [w for w in words if "页" not in w[4]]  # the page number is in the margin
    assert min(w[0] for w in body) >= 28 * MM - 1 and min(w[0] for w in body) < 32 * MM
    assert max(w[2] for w in body) <= (210 - 26) * MM + 1
    middles = [(w[1] + w[3]) / 2 for w in body]  # a word's box is its font's, taller than it
    assert 37 * MM < min(middles) < 37 * MM + 22 and max(middles) < (297 - 35) * MM
    # the title's width against the plain page's (16pt): 2号 is 22pt
    title = next(w for w in body if w[4].endswith("统计表"))
    plain_title = next(w for w in printed(plain).words[0] if w[4] == title[4])
    ratio = (title[2] - title[0]) / (plain_title[2] - plain_title[0])
    assert 22 / 16 - 0.05 < ratio < 22 / 16 + 0.05


@needs_chromium
def test_charts_print_each_certificate_name_whole(make_school, tmp_path):
    names = ["机械工程制图职业技能等级证书", "机械工程制造工艺与装备职业技能等级证书"]
    roster = [["学号", "姓名", "班级", "专业", "届别", "学籍状态"]]
    roster += [[f"C{i}", f"学生{i}", "20数控1", "数控技术应用", 2023, "毕业"] for i in range(4)]
    results = [[f"C{i}", names[i % 2], "初级", "2022-06-18", "合格"] for i in range(4)]
    certificates = [{"name": n, "kind": "1+X"} for n in names]
    school = make_school(roster=roster, certificates=certificates, results=results)
    html = tmp_path / "rates.html"
    assert school("render", "pass-rates", "-o", html).exit_code == 0
    svg = html.read_text(encoding="utf-8").split("按证书")[0]
    assert "…" not in svg
    paper = re.sub(r"\s+", "", printed(html).raw)
    chart = paper.split("（按证书）")[1]
    assert "2022年机械工程制图" in chart and "2022年机械工程制造工艺与装备" in chart


def test_typeset_keeps_numbers_with_units_and_latin_tokens_whole_and_escapes():
    text = "于2022年度取得，联系a-b@example.edu.cn 或 <b>第3行</b>\n共13人"
    html = str(typeset(text))
    assert '<span class="nb">2022年</span>度' in html
    assert '<span class="nb">a-b@example.edu.cn</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<span class="nb">13人</span>' in html and "\n" in html
    assert typeset("机械工程制图职业技能等级证书") == "机械工程制图职业技能等级证书"
    long = "https://example.edu.cn/" + "a" * 40
    assert str(typeset(long)) == f'<span class="lt">{long}</span>'


def test_a_chart_label_is_whole_over_even_lines():
    label = "2022年 机械工程制造工艺与装备职业技能等级证书（中级）"
    lines = charts.wrap(label, 120)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert len(lines) > 1 and all(charts.text_width(line) <= 120 for line in lines)
    assert min(len(line) for line in lines) > 3  # no last line of a character or two
    assert all(not line.startswith(("）", "，")) and not line.endswith("（") for line in lines)
    assert lines[0].startswith("2022年")  # a year stays with its unit
    svg = charts.rate_rows("按证书", [(label, 0.5, "50.0%"), ("2022年 机械工程制图", 1, "100.0%")])
    shown = "".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", svg)).replace(" ", "")
    assert "…" not in svg and label.replace(" ", "") in shown


def test_the_generation_line_only_on_a_table_asked_for(school, tmp_path):
    out = tmp_path / "rates.html"
    assert school("render", "pass-rates", "--footer", "-o", out).exit_code == 0
    assert "由 xcert 生成" in out.read_text(encoding="utf-8")
    assert school("render", "pass-rates", "-o", out).exit_code == 0
    assert "由 xcert 生成" not in out.read_text(encoding="utf-8")
    form = school("render", "site-application", "--footer", "-o", tmp_path / "form.html")
    assert form.exit_code == 2 and "site-application 不用这个选项" in form.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--style", "fancy", "-o", "x.html"], "「fancy」不可用；可用：plain、official"),
        (["--style", "official"], "--style 只用于网页（html）格式"),
        (["--footer", "-o", "x.xlsx"], "--footer 只用于网页（html）格式"),
    ],
)
def test_print_options_misused_are_usage_mistakes(school, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = school("render", "pass-rates", *args)
    assert result.exit_code == 2 and message in result.stderr


@needs_chromium
def test_a_paragraph_never_ends_on_a_line_of_one_character(school, tmp_path):
    # paragraphs of every length across two lines: some would end with 一字 + 。 alone
    folder = _own_template(
        tmp_path,
        '{% for k in range(40, 100) %}<p class="text">第{{ k }}段{{ "很好的文字" * (k // 5) }}'
        '{{ "很" * (k % 5) }}。</p>\n{% endfor %}',
    )
    html = tmp_path / "paragraphs.html"
    assert school("render", "pass-rates", "--templates", folder, "-o", html).exit_code == 0
    ends = [line for line in printed(html).text().splitlines() if line.endswith("。")]
    assert len(ends) == 60
    assert all(len(line) >= 3 for line in ends), [line for line in ends if len(line) < 3]
