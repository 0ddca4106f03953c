"""How figures are written for people: one scale per money column, the same text for the
same figure, "n/a" for no answer (planner.io.display, no Qt)."""

from __future__ import annotations

import copy
import math
import pickle

import pytest

from planner.io import display
from planner.io.display import (
    NOT_AVAILABLE,
    MoneyText,
    money,
    money_column,
    money_scale,
    money_short,
    uniform_money_columns,
)


def test_a_money_column_has_one_scale_whole_dollars() -> None:
    # The column: $39,729, $492.0k and $10.46M side by side.
    assert money_column([39_729, 492_000, 10_460_000]) == ["$39,729", "$492,000", "$10,460,000"]
    assert money_column([-16_334_781.4, 22_004_399.6, None]) == [
        "-$16,334,781",
        "$22,004,400",
        "n/a",
    ]
    assert money_column([]) == []


def test_a_column_reaching_ten_billion_is_in_whole_millions() -> None:
    assert money_scale([2.5e10, 4.9e5]) == (1e6, "M", 0)
    assert money_column([2.5e10, 4.9e5, -1_234_567_890_123]) == [
        "$25,000M",
        "$0M",
        "-$1,234,568M",
    ]
    assert money_scale([9.99e9, float("inf"), None]) == (1.0, "", 0)


def test_a_compact_column_for_print_has_one_scale_too() -> None:
    """Print, where space is short (a board pack's table): millions with two decimals from
    $1M, billions from $1B, else whole dollars; still one scale per column."""
    assert money_column([39_729, 492_000, 10_460_000], compact=True) == [
        "$0.04M",
        "$0.49M",
        "$10.46M",
    ]
    assert money_column([97_515.4, 124_590.0], compact=True) == ["$97,515", "$124,590"]
    assert money_column([-3e9, -4_000.0, None], compact=True) == ["-$3.00B", "$0.00B", "n/a"]
    rows = [["Base", money(-16_574_939.0)], ["Bull", money(22_008_850.0)]]
    assert uniform_money_columns(rows, compact=True) == [["Base", "-$16.57M"], ["Bull", "$22.01M"]]


def test_no_minus_zero_and_missing_is_n_a() -> None:
    assert money_column([-0.4, 0.0, float("nan"), float("-inf")]) == ["$0", "$0", "n/a", "n/a"]
    assert money(None) == money(float("nan")) == NOT_AVAILABLE == "n/a"


def test_one_figure_reads_as_its_column_writes_it() -> None:
    for value in (95_064.2, -16_570_123.0, 134_650.4, 0.0):
        assert money(value) == money_column([value])[0] == money_column([value, 1e6])[0]
    assert money(95_064.2) == "$95,064"
    assert money(-16_570_123.0, compact=False) == "-$16,570,123"


def test_compact_money_stays_for_print_and_charts() -> None:
    assert money(-9_969_330.03, compact=True) == "-$9.97M"
    assert money(401_155.45, compact=True) == "$401.2k"
    assert money_short(95_064) == "$95.1k"


def test_money_texts_keep_their_number() -> None:
    text = money_short(1_574_321.0)
    assert isinstance(text, MoneyText) and text == "$1.57M" and text.usd == 1_574_321.0
    assert isinstance(money(5.0), MoneyText) and money(5.0).usd == 5.0
    assert not isinstance(money_short(None), MoneyText)
    assert MoneyText("n/a", float("nan")).usd is None
    for copied in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text)):
        assert isinstance(copied, MoneyText) and copied == "$1.57M"
        assert copied.usd == 1_574_321.0


def test_uniform_money_columns_rewrites_only_money_texts() -> None:
    rows = [
        ["Base (active)", money_short(-16_570_123.0), "-27.6%", money_short(97_515.4)],
        ["Bear", money_short(-35_801_000.0), "n/a", money_short(96_012.0)],
        ["Bull", money_short(492_000.0), "67.9%", NOT_AVAILABLE],
    ]
    assert uniform_money_columns(rows) == [
        ["Base (active)", "-$16,570,123", "-27.6%", "$97,515"],
        ["Bear", "-$35,801,000", "n/a", "$96,012"],
        ["Bull", "$492,000", "67.9%", "n/a"],
    ]
    assert uniform_money_columns([]) == []
    ragged = uniform_money_columns([["a", money_short(2.5e10)], ["b"]])
    assert ragged == [["a", "$25,000M"], ["b"]]


def test_other_figures_say_n_a_when_missing_and_group_thousands() -> None:
    assert display.usd_per_btc(None) == display.usd_per_ph_day(math.nan) == "n/a"
    assert display.usd_per_btc(109_363.4) == "$109,363/BTC"
    assert display.percent(12.345) == "1,234.5%"
    assert display.months(1_234.5) == "1,234.5 mo"
    # "never" is an answer (not paid back within the horizon), not a missing figure.
    assert display.months(None) == "never"


@pytest.mark.parametrize("value", [1.0, 999.4, 1_000.0, 123_456_789.0])
def test_whole_dollars_group_thousands(value: float) -> None:
    assert money(value) == f"${value:,.0f}"
