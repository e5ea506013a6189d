"""analysis.pricing: expected cost at list price, the price check and repricing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openrouter_frame.analysis.pricing import (
    Repricing,
    expected_cost,
    price_check,
    price_table,
    reprice,
)
from openrouter_frame.errors import MissingColumnsError

PRICES = {"a/x": {"prompt": "0.000001", "completion": "0.000004", "input_cache_read":
                  "0.0000001", "internal_reasoning": "0.000008", "request": "0.01"},
          "b/y": {"prompt": "0.0000001", "completion": "0.0000002"}}


def _row(**values: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "id": "gen-1", "model": "a/x", "provider_name": "P", "total_cost": None,
        "native_tokens_prompt": 1000, "native_tokens_cached": 0,
        "native_tokens_completion": 500, "native_tokens_reasoning": 0,
        "native_tokens_completion_images": 0, "cache_discount": 0.0, "is_byok": False}
    base.update(values)
    return pd.DataFrame([base]).astype({
        "total_cost": "Float64", "cache_discount": "Float64", "is_byok": "boolean",
        **{c: "Int64" for c in base if c.startswith("native_")}})


@pytest.mark.parametrize("values, expected", [
    ({}, 0.001 + 0.002 + 0.01),
    ({"native_tokens_cached": 600}, 400e-6 + 600e-7 + 0.002 + 0.01),
    ({"native_tokens_reasoning": 300}, 0.001 + 200 * 4e-6 + 300 * 8e-6 + 0.01),
    ({"native_tokens_cached": None, "native_tokens_reasoning": None}, 0.013),
    ({"native_tokens_prompt": None}, np.nan),
    ({"model": "c/unknown"}, np.nan),
], ids=["plain", "cache-read", "reasoning", "na-subcounts-are-zero", "na-prompt",
        "missing-price"])
def test_expected_cost_formula(values: dict, expected: float) -> None:
    got = expected_cost(_row(**values), PRICES).iloc[0]
    if np.isnan(expected):
        assert pd.isna(got)
    else:
        assert float(got) == pytest.approx(expected, rel=1e-12)


def test_served_endpoint_price_wins_over_the_model_price() -> None:
    table = pd.concat([price_table(PRICES), price_table({"a/x": {
        "prompt": "0.000002", "completion": "0.000004"}}).assign(
        provider_name="P", level="endpoint")], ignore_index=True)
    frame = pd.concat([_row(), _row(provider_name="Q")], ignore_index=True)
    cost = expected_cost(frame, table)
    assert cost.tolist() == pytest.approx([0.002 + 0.002, 0.013])  # its own prices, no fee


@pytest.mark.parametrize("values, reason", [
    ({"total_cost": 0.013 * 0.05, "is_byok": True}, "BYOK"),
    ({"total_cost": 0.014, "cache_discount": -0.001}, "cache write"),
    ({"total_cost": 0.013 - 0.0005, "cache_discount": 0.0005}, "cache discount"),
    ({"total_cost": 0.02}, "provider endpoint priced differently (no endpoint price)"),
    ({"total_cost": 0.02, "model": "c/unknown"}, "missing price"),
], ids=["byok", "cache-write", "cache-discount-without-cached-count", "endpoint", "missing"])
def test_price_check_flags_with_the_likely_reason(values: dict, reason: str) -> None:
    flagged = price_check(_row(**values), PRICES)
    assert flagged["reason"].tolist() == [reason]


@pytest.mark.parametrize("values", [
    {"total_cost": 0.013}, {"total_cost": 0.013 * 1.015}, {"total_cost": None},
], ids=["list-price", "within-tolerance", "na-billed"])
def test_price_check_leaves_rows_at_list_price(values: dict) -> None:
    assert price_check(_row(**values), PRICES).empty


def test_price_check_rejects_a_bad_tolerance_and_needs_columns() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        price_check(_row(total_cost=0.1), PRICES, tolerance=-1)
    with pytest.raises(MissingColumnsError):
        price_check(_row().drop(columns=["total_cost"]), PRICES)


def test_reprice_per_row_summary_and_headline() -> None:
    frame = pd.concat([_row(total_cost=0.013), _row(total_cost=0.013)], ignore_index=True)
    result = reprice(frame, PRICES, to="b/y")
    assert isinstance(result, Repricing)
    per_row = 1000 * 1e-7 + 500 * 2e-7
    assert result.rows["repriced_usd"].tolist() == pytest.approx([per_row] * 2)
    summary = result.summary.loc[("a/x", "b/y")]
    assert summary["calls"] == 2
    assert summary["saving_usd"] == pytest.approx(2 * (0.013 - per_row))
    assert result.headline == "moving these 2 calls from a/x to b/y saves $0.0256, 98% (at " \
        "list prices)"
    assert "saves" in result._repr_html_()


def test_reprice_mapping_leaves_other_models_out_and_rejects_unknown_targets() -> None:
    frame = pd.concat([_row(), _row(model="b/y")], ignore_index=True)
    assert reprice(frame, PRICES, to={"b/y": "a/x"}).rows["model"].tolist() == ["b/y"]
    with pytest.raises(ValueError, match="c/unknown"):
        reprice(frame, PRICES, to="c/unknown")


# -- the Done-when of issue 20, on the simulated account ----------------------------------
def test_list_priced_rows_match_and_every_other_row_is_flagged(
        account_sim: object, history_frame: pd.DataFrame, account_prices: dict) -> None:
    otherwise = account_sim.priced_otherwise()  # type: ignore[attr-defined]
    assert set(otherwise.values()) == {"byok", "cache_write", "endpoint_price",
                                       "missing_price"}
    listed = ~history_frame["id"].isin(list(otherwise)).to_numpy()
    for endpoints in (False, True):
        cost = history_frame.orgen.expected_cost(account_prices[endpoints])
        gap = (history_frame["total_cost"] - cost).abs().to_numpy(dtype=float)
        assert listed.sum() > 1000 and np.nanmax(gap[listed]) < 1e-9
    flagged = history_frame.orgen.price_check(account_prices[False])
    assert set(flagged["id"]) == set(otherwise)
    names = {"byok": "BYOK", "cache_write": "cache write", "missing_price": "missing price",
             "endpoint_price": "provider endpoint priced differently (no endpoint price)"}
    assert {(otherwise[i], r) for i, r in zip(flagged["id"], flagged["reason"], strict=True)} \
        == {(k, v) for k, v in names.items()}
    # With endpoint prices, endpoint-priced rows are at list price and no longer flagged.
    with_endpoints = history_frame.orgen.price_check(account_prices[True])
    assert set(with_endpoints["id"]) == {i for i, k in otherwise.items() if k != "endpoint_price"}
