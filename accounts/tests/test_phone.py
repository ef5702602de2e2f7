import pytest

from accounts.phone import normalize_phone


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits from a Chinese IME
        ("12800138000", ""),  # no such mobile prefix
        ("1380013800", ""),  # one digit short
        ("liwei", ""),
        ("", ""),
    ],
)
def test_normalize_phone(typed, expected):
    assert normalize_phone(typed) == expected
