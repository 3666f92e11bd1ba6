"""The one mask rule (SPEC 5.3) on free text: what `--public` documents may show."""

from __future__ import annotations

from pathlib import Path

import pytest

from xcert.privacy import mask_contacts_in


@pytest.mark.parametrize(
    "written, shown",
    [
        ("电话 13800138001。", "电话 138****8001。"),
        ("138 0013 8001", "138****8001"),
        ("138-0013-8002", "138****8002"),
        ("１３８００１３８００４", "138****8004"),  # typed in full-width digits
        ("0758 2345678", "0758-****5678"),
        ("0758-2345678", "0758-****5678"),
    ],
)
def test_public_masks_phones_however_they_are_written(written, shown):
    assert mask_contacts_in(f"联系人：{written}") == f"联系人：{shown}"


@pytest.mark.parametrize(
    "text", ["学号 2021010101", "证书编号 S12345678901234567890", "2024-06-30"]
)
def test_numbers_that_are_not_phones_stay(text):
    assert mask_contacts_in(text) == text


def test_only_the_rejects_workbook_gives_a_rejected_id_number_back(cli, xlsx, tmp_path):
    """SPEC 5.3, changed on purpose (issue 18): the --rejects workbook gives the clerk's
    rows back exactly as read, full ID numbers included, so they can be corrected and
    imported again. Nothing else shows them: the report, the problems, the log, the
    database (the row is not stored), a later corrected import's list of changes."""
    from openpyxl import load_workbook

    from conftest import make_id

    kept, fixed = make_id("20060101", "011"), make_id("20060202", "022")
    wrong = fixed[:-1] + ("1" if fixed[-1] != "1" else "2")
    rows = [
        ["学号", "姓名", "身份证号", "班级"],
        ["2021010101", "陈晓明", kept, "21数控1"],
        ["2021010102", "林小雨", wrong, "21数控1"],
    ]
    out = tmp_path / "rej.xlsx"
    result = cli("import", xlsx("r.xlsx", {"S": rows}), "--skip-invalid", "--rejects", out)
    assert result.exit_code == 0, result.output
    given = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert wrong in given and kept not in given
    shown = result.output + cli("log").output + cli("find", "21数控1").output
    assert wrong not in shown and kept not in shown and "44**************" in result.output
    stored = [Path(f"{cli.db}{suffix}") for suffix in ("", "-wal")]
    assert all(wrong.encode() not in path.read_bytes() for path in stored if path.exists())
    rows[1][2] = make_id("20060101", "012")  # a corrected file changes a stored ID number
    again = cli("import", xlsx("r2.xlsx", {"S": rows[:2]}))
    assert "身份证号 44**************" in again.stdout
    assert kept not in again.output and rows[1][2] not in again.output


def test_an_id_number_typed_into_the_signer_cell_is_masked_on_the_sign_off_list(
    make_school, tmp_path
):
    """A clerk typed who signed with the ID number after the name: the list shows it
    masked, in every format, like every other printed text."""
    from conftest import DRAWING, make_id

    number = make_id("20000101", "123")
    cli = make_school(
        roster=[["学号", "姓名", "班级"], ["2021001", "陈晓明", "21数控1"]],
        certificates=[DRAWING],
        awards=[["2021001", "机械制图", "初级", "2022.6", "2022-09-01", f"王老师{number}"]],
    )
    for fmt in ("md", "html", "xlsx"):
        out = tmp_path / f"list.{fmt}"
        result = cli("render", "sign-list", "--class", "21数控1", "-o", out)
        assert result.exit_code == 0, result.output
        if fmt == "xlsx":
            from openpyxl import load_workbook

            text = repr([list(r) for r in load_workbook(out).active.iter_rows(values_only=True)])
        else:
            text = out.read_text(encoding="utf-8")
        assert number not in text and f"王老师{number[:2]}**" in text.replace("\\", "")
