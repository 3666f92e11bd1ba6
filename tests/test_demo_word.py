"""Every Word document the demo files (issue 20): opened with python-docx (page, author,
tables), then printed by LibreOffice: every paragraph and every cell on paper, whole,
and "— N —" at the foot of every page (a dossier's cover has none)."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document

from conftest import NEEDS_OFFICE, office_to_pdf

# Every report in Word, and the nightly summary.
EXPECTED = {
    "pass-rates",
    "pass-rates-数控技术应用",
    "dual-certificate",
    "sign-list",
    "site-application",
    "plan",
    "self-assessment",
    "selection",
    "sign-in",
    "dossier",
}


def _documents(demo: Path) -> dict[str, Path]:
    found = {path.stem: path for path in sorted(demo.glob("*.docx"))}
    assert set(found) >= EXPECTED and any(name.startswith("summary-") for name in found)
    return found


def _texts(doc) -> list[str]:
    """Every paragraph and every cell (a merged cell once) of the body."""
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        seen = set()
        for row in table.rows:
            for cell in row.cells:
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    texts.append(cell.text)
    return [text for text in texts if text.strip()]


def test_every_demo_word_document_is_an_a4_page_of_xcerts_own(demo_folder):
    for name, path in _documents(demo_folder).items():
        doc = Document(str(path))
        section = doc.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), name
        assert round(section.left_margin.mm) == 28 and round(section.top_margin.mm) == 37
        assert doc.core_properties.author == "xcert" == doc.core_properties.last_modified_by
        assert len(_texts(doc)) > 5, name
        for table in doc.tables:
            if table.cell(0, 0).text == "单位名称":  # the site application is a form
                continue
            assert "<w:tblHeader" in table.rows[0]._tr.xml, name  # header on every page


def test_every_property_of_every_demo_word_document_is_in_the_schemas_order(demo_folder):
    """Word repairs a file, or ignores a table's borders, when a property is out of
    place: what xcert appends by hand it puts in place at once (word_xml.put_in_order),
    nothing sorts the document when it is saved."""
    import copy

    from xcert.output import word_xml

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for name, path in _documents(demo_folder).items():
        body = Document(str(path)).element.body
        for kind in ("tblPr", "pPr", "tcPr"):
            for properties in body.iter(f"{w}{kind}"):
                ordered = copy.deepcopy(properties)
                word_xml.put_in_order(ordered)
                tags = [child.tag for child in properties]
                assert tags == [child.tag for child in ordered], (name, kind, tags)


@NEEDS_OFFICE
def test_every_demo_word_document_prints_whole_with_its_page_numbers(demo_folder):
    documents = _documents(demo_folder)
    printed = dict(zip(documents, office_to_pdf(*documents.values()), strict=True))
    for name, path in documents.items():
        text = printed[name]
        paper = re.sub(r"\s+", "", text)
        # each run of text between spaces whole (a caption's 表 N and its title may be
        # read apart from each other, but neither cut)
        missing = [
            piece
            for value in _texts(Document(str(path)))
            for piece in re.split(r"\s+", value)
            if piece not in paper
        ]
        assert not missing, (name, missing[:5])
        pages = [page for page in text.split("\f") if page.strip()]
        numbered = pages[1:] if name == "dossier" else pages
        first = 2 if name == "dossier" else 1
        for number, page in enumerate(numbered, first):
            assert re.search(rf"—\s*{number}\s*—", page), (name, number)
