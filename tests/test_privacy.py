"""The one mask rule (SPEC 5.3) on free text: what `--public` documents may show."""

from __future__ import annotations

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
