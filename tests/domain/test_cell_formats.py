"""How a cell shows its value: thousands grouped in every number a table shows."""

from __future__ import annotations

from planner.domain import schema
from planner.domain.cells import edit_text, format_value


def test_a_monthly_path_groups_thousands_and_reads_back_plain() -> None:
    price_path = schema.column("scenarios", "btc_price_path_usd")
    values = [95_000.0, 98_500.5, 1_234_567.0]
    assert format_value(price_path, values) == "95,000; 98,500.5; 1,234,567"
    assert edit_text(price_path, values) == "95000; 98500.5; 1234567"
    assert format_value(schema.column("contracts", "index_path_usd_per_kwh"), [0.032]) == "0.032"


def test_watts_and_counts_group_thousands() -> None:
    assert format_value(schema.column("catalog", "power_w"), 11_180.0) == "11,180"
    assert format_value(schema.column("fleet", "count"), 20_600) == "20,600"
