"""The cost panel: shares from prices or a labelled estimate, caching, BYOK."""

from __future__ import annotations

import pandas as pd
import pytest

from openrouter_frame.testing import sample_frame
from openrouter_frame.testing.data import BY_SLUG, list_cost
from openrouter_frame.testing.prices import model_prices
from openrouter_frame.viewer.cost import cost_breakdown, cost_html, effective_cost

ROW = {"model": "m/x", "total_cost": 0.0021, "native_tokens_prompt": 1000,
       "native_tokens_cached": 400, "native_tokens_completion": 500,
       "native_tokens_reasoning": 300, "cache_discount": 0.0002, "is_byok": False}
PRICES = {"m/x": {"prompt": "0.000001", "completion": "0.000004",
                  "input_cache_read": "0.0000005"}}


def test_priced_lines_and_shares():
    bd = cost_breakdown(ROW, PRICES)
    lines = {line.label: line for line in bd.lines}
    assert not bd.estimate
    assert {k: v.tokens for k, v in lines.items()} == {
        "prompt": 600, "cached prompt": 400, "completion": 200, "reasoning": 300}
    assert lines["prompt"].cost == pytest.approx(600e-6)
    assert lines["cached prompt"].cost == pytest.approx(400 * 0.5e-6)
    assert lines["reasoning"].cost == pytest.approx(300 * 4e-6)  # completion price: no own
    assert sum(line.share for line in bd.lines) == pytest.approx(1.0)
    assert lines["reasoning"].price == pytest.approx(4e-6)
    text = cost_html(bd)
    assert "from the model's prices" in text and "prompt caching saved $0.0002" in text
    assert "<th>reasoning</th><td>300 tokens</td><td>$4.00</td>" in text  # per 1M tokens


def test_without_prices_the_split_is_proportional_and_says_estimate():
    bd = cost_breakdown(ROW)
    assert bd.estimate
    shares = {line.label: line.share for line in bd.lines}
    assert shares["reasoning"] == pytest.approx(300 / 1500)
    assert sum(line.cost for line in bd.lines) == pytest.approx(ROW["total_cost"])
    assert "estimate" in cost_html(bd)


def test_byok_shows_the_upstream_cost_as_what_was_paid():
    row = ROW | {"is_byok": True, "total_cost": 0.00002, "upstream_inference_cost": 0.0004}
    bd = cost_breakdown(row)
    assert bd.paid == pytest.approx(0.00042)
    assert sum(line.cost for line in bd.lines) == pytest.approx(0.0004)  # tokens: upstream
    text = cost_html(bd)
    assert "BYOK: really paid <b>$0.00042</b>" in text and "upstream provider $0.0004" in text


def test_cache_write_is_a_cost_not_a_saving():
    assert "writing the prompt cache cost $0.0003 extra" in cost_html(
        cost_breakdown(ROW | {"cache_discount": -0.0003}))


def test_simulator_prices_reproduce_the_list_cost():
    df = sample_frame(300)
    prices = model_prices()
    checked = 0
    for row in df.to_dict("records"):
        model = BY_SLUG[row["model"]]
        if model.image_price or pd.isna(row["native_tokens_cached"]) or row["is_byok"]:
            continue
        bd = cost_breakdown(row, prices)
        plain = {k: (None if pd.isna(v) else v) for k, v in row.items()
                 if not isinstance(v, list)}
        uncached = row["native_tokens_cached"] == 0
        if uncached:  # no cache read: the priced lines are the list price exactly
            assert sum(x.cost for x in bd.lines) + bd.request_fee == pytest.approx(
                list_cost(plain), rel=1e-6)
            checked += 1
    assert checked > 100


def test_effective_cost_adds_upstream_only_for_byok():
    df = pd.DataFrame({"total_cost": pd.array([0.1, 0.2, None], dtype="Float64"),
                       "is_byok": pd.array([True, None, True], dtype="boolean"),
                       "upstream_inference_cost": pd.array([1.0, 5.0, 1.0], dtype="Float64")})
    out = effective_cost(df)
    assert out[:2].tolist() == [pytest.approx(1.1), 0.2] and pd.isna(out[2])


def test_the_viewer_and_df_orgen_share_one_effective_cost():
    """Issue 18: one home and one name for the BYOK rule, used by the viewer and df.orgen."""
    import numpy as np

    import openrouter_frame  # noqa: F401  (registers df.orgen)
    from openrouter_frame.viewer.browse import FrameIndex
    from openrouter_frame.viewer.cost import EFFECTIVE_COST

    df = sample_frame(300)
    byok = df["is_byok"].fillna(False).to_numpy(dtype=bool) & df[
        "upstream_inference_cost"].gt(0).fillna(False).to_numpy(dtype=bool)
    assert byok.any()  # the rule matters on this frame
    orgen = df.orgen.effective_cost()
    assert orgen.name == EFFECTIVE_COST and str(orgen.dtype) == "Float64"
    viewer = FrameIndex(df).metric(EFFECTIVE_COST)
    np.testing.assert_allclose(orgen.to_numpy(dtype=float, na_value=np.nan), viewer)
    total = df["total_cost"].to_numpy(dtype=float, na_value=np.nan)
    assert (viewer[byok] > total[byok]).all() and (viewer[~byok] == total[~byok]).all()
    for i in np.flatnonzero(byok)[:5]:  # the viewer's panel: the same amount, row by row
        assert cost_breakdown(df.iloc[i].to_dict()).paid == pytest.approx(viewer[i])


@pytest.mark.parametrize("endpoints", [False, True], ids=["model-prices", "endpoint-prices"])
def test_a_price_table_splits_the_expected_cost_and_says_list_price_as_of(endpoints,
                                                                            account_prices):
    from openrouter_frame.analysis.pricing import expected_cost

    table = account_prices[endpoints].copy()
    table.attrs["as_of"] = "2026-11-20"
    df = sample_frame(40)
    expected = expected_cost(df, table)
    labels = set()
    for (_, row), want in zip(df.iterrows(), expected, strict=True):
        bd = cost_breakdown(row.to_dict(), table)
        if pd.isna(want):
            assert bd.estimate and "estimate" in cost_html(bd)
            continue
        assert sum(x.cost for x in bd.lines) + bd.request_fee == pytest.approx(want, rel=1e-9)
        labels.add(bd.source)
    assert all(label.endswith("list price as of 2026-11-20") for label in labels)
    assert endpoints or labels == {"list price as of 2026-11-20"}  # model level only
    assert any("endpoint's list price" in label for label in labels) == endpoints


def test_a_price_function_is_asked_per_row():
    seen = []

    def prices(row):
        seen.append(row["model"])
        return {"prompt": 1e-6, "completion": 2e-6}

    bd = cost_breakdown(ROW, prices)
    assert seen == [ROW["model"]] and not bd.estimate and bd.source == "list price"
