from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.money import YuanField, format_yuan, yuan_to_fen
from apps.core.phones import mask_phone, normalize_mobile, normalize_phone


@pytest.mark.parametrize(
    ("raw", "fen"), [("12.5", 1250), ("0.015", 2), (Decimal("360"), 36000), ("0.004", 0)]
)
def test_yuan_become_integer_fen(raw: object, fen: int) -> None:
    assert yuan_to_fen(raw) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize(("fen", "text"), [(123450, "¥1,234.50"), (-300, "-¥3.00"), (0, "¥0.00")])
def test_fen_are_shown_as_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


def test_the_yuan_field_cleans_to_fen_and_refuses_negatives() -> None:
    field = YuanField()
    assert field.clean("19.99") == 1999
    with pytest.raises(ValidationError):
        field.clean("-0.01")
    assert YuanField(allow_negative=True).clean("-0.01") == -1


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("138 0571 0001", "13805710001"),
        ("+86-138-0571-0001", "13805710001"),
        ("0571-88201234", "057188201234"),
        ("(010) 6552 9988 转 123", "01065529988-123"),
    ],
)
def test_phones_are_stored_normalised(raw: str, stored: str) -> None:
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "23805710001", "1380571000", "abc", ""])
def test_invalid_mobiles_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        normalize_mobile(raw)


def test_a_phone_is_masked_for_strangers() -> None:
    assert mask_phone("13805710001") == "138****0001"
