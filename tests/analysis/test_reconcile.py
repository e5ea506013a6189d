"""analysis.reconcile: a frame against the account's billed activity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import activity_frame

from openrouter_frame.analysis.reconcile import Coverage, coverage_summary, reconcile
from openrouter_frame.errors import MissingColumnsError


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """(created_at, model, total_cost, is_byok, upstream_inference_cost) rows."""
    return pd.DataFrame(rows, columns=["created_at", "model", "total_cost", "is_byok",
                                       "upstream_inference_cost"]).astype({
        "created_at": "datetime64[us, UTC]", "model": "string", "total_cost": "Float64",
        "is_byok": "boolean", "upstream_inference_cost": "Float64"})


def _activity(rows: list[tuple]) -> pd.DataFrame:
    """(date, model, requests, usage, byok_usage_inference) rows."""
    return activity_frame([{"date": d, "model": m, "requests": r, "usage": u,
                            "byok_usage_inference": b} for d, m, r, u, b in rows])


ACTIVITY = _activity([("2026-11-01", "a/x", 2, 1.0, 0.0), ("2026-11-02", "a/x", 1, 0.5, 0.0),
                      ("2026-11-03", "b/y", 1, 0.1, 2.0)])


def test_coverage_per_day_and_model_and_headline() -> None:
    frame = _frame([("2026-11-01 10:00", "a/x", 0.5, False, None),
                    ("2026-11-02 23:59:59", "a/x", 0.5, False, None)])
    table = reconcile(frame, ACTIVITY)
    assert table.index.names == ["date", "model"]
    assert table["billed_requests"].tolist() == [2, 1]  # 2026-11-03 is outside the frame
    assert table["generations"].tolist() == [1, 1]
    assert table["missing_requests"].tolist() == [1, 0]
    assert table["spend_coverage_share"].tolist() == [0.5, 1.0]
    cov = table.attrs["coverage_summary"]
    assert isinstance(cov, Coverage)
    assert cov.spend_share == pytest.approx(1.0 / 1.5)
    assert str(cov) == ("the frame covers 66.7% of billed spend over the 2 days it spans; "
                        "1 request on 1 day is missing")


@pytest.mark.parametrize("frame, expected", [
    (_frame([]), "the frame spans no day of the activity"),
    (_frame([("2026-10-01 10:00", "a/x", 0.5, False, None)]),
     "the frame spans no day of the activity (1 generation left out)"),
    (_frame([("2026-11-01 10:00", "a/x", 0.5, False, None),
             ("2026-12-01 10:00", "a/x", 0.5, False, None),
             (None, "a/x", 0.5, False, None)]),
     "the frame covers 50.0% of billed spend over the 1 day it spans; 1 request on 1 day is "
     "missing (2 generations outside the activity left out)"),
], ids=["empty-frame", "day-outside-activity", "some-days-outside-and-undated"])
def test_days_outside_the_activity_are_left_out(frame: pd.DataFrame, expected: str) -> None:
    assert str(coverage_summary(frame, ACTIVITY)) == expected


def test_byok_compares_paid_with_usage_plus_byok_inference() -> None:
    # OpenRouter billed a 0.1 fee; the provider billed 2.0 to the user's own key.
    frame = _frame([("2026-11-03 01:00", "b/y", 0.1, True, 2.0)])
    row = reconcile(frame, ACTIVITY, by="model").loc["b/y"]
    assert row["billed_usd"] == pytest.approx(2.1)
    assert row["frame_usd"] == pytest.approx(2.1)
    assert row["spend_coverage_share"] == pytest.approx(1.0)


def test_na_cost_is_unknown_spend_not_zero() -> None:
    frame = _frame([("2026-11-01 10:00", "a/x", None, False, None)])
    row = reconcile(frame, ACTIVITY).iloc[0]
    assert row["generations"] == 1
    assert pd.isna(row["frame_usd"]) and pd.isna(row["spend_coverage_share"])


def test_generation_the_activity_does_not_know_is_negative_missing() -> None:
    frame = _frame([("2026-11-01 10:00", "c/z", 0.2, False, None)])
    table = reconcile(frame, ACTIVITY)
    extra = table.loc[(pd.Timestamp("2026-11-01"), "c/z")]
    assert extra["billed_requests"] == 0 and extra["missing_requests"] == -1
    assert pd.isna(extra["spend_coverage_share"])


@pytest.mark.parametrize("dates", [
    pd.array([pd.Timestamp("2026-11-01").date()], dtype=pd.ArrowDtype(pa.date32())),
    pd.array(["2026-11-01"], dtype="string"),
    pd.to_datetime(["2026-11-01"]).tz_localize("UTC"),
], ids=["arrow-date32", "iso-text", "utc-datetime"])
def test_activity_dates_in_any_shape(dates: object) -> None:
    activity = pd.DataFrame({"date": dates, "model": ["a/x"], "requests": [1], "usage": [1.0]})
    frame = _frame([("2026-11-01 10:00", "a/x", 1.0, False, None)])
    assert coverage_summary(frame, activity).spend_share == 1.0


def test_by_none_and_missing_key_column() -> None:
    frame = _frame([("2026-11-01 10:00", "a/x", 0.5, False, None)])
    assert reconcile(frame, ACTIVITY, by=None).index.tolist() == ["all"]
    with pytest.raises(MissingColumnsError, match="workspace_id"):
        reconcile(frame, ACTIVITY, by=("date", "workspace_id"))


# -- the Done-when of issue 20, on the simulated account ----------------------------------
def test_every_id_gives_exactly_full_coverage(history_frame: pd.DataFrame,
                                              account_activity: pd.DataFrame) -> None:
    activity = account_activity
    table = history_frame.orgen.reconcile(activity, by=("date", "model", "endpoint_id"))
    assert (table["missing_requests"] == 0).all()
    np.testing.assert_allclose(table["spend_coverage_share"].to_numpy(dtype=float), 1.0,
                               rtol=1e-9)
    cov = table.attrs["coverage_summary"]
    assert cov.request_share == 1.0 and cov.spend_share == pytest.approx(1.0, abs=1e-12)
    assert cov.days == 30 and cov.missing_requests == 0


def test_unlisted_share_is_found_within_a_tenth_of_a_point(
        account_sim: object, history_frame: pd.DataFrame, account_activity: pd.DataFrame
) -> None:
    sim = account_sim
    activity = account_activity
    listed = history_frame[history_frame["id"].isin(sim.listed_ids())]  # type: ignore[attr-defined]
    held = history_frame[history_frame["id"].isin(sim.unlisted_ids())]  # type: ignore[attr-defined]
    true_spend = 1 - held.orgen.effective_cost().sum() / history_frame.orgen.effective_cost().sum()
    cov = listed.orgen.coverage_summary(activity)
    assert abs(cov.spend_share - true_spend) < 0.001
    assert abs(cov.request_share - len(listed) / len(history_frame)) < 0.001
    assert cov.missing_requests == len(held)
    assert "of billed spend over the 30 days" in str(cov)


def test_pyarrow_activity_and_provider_keys(account_sim: object, history_frame: pd.DataFrame
                                            ) -> None:
    from openrouter_frame import fetch_activity

    activity = fetch_activity(api_key=account_sim.management_key,  # type: ignore[attr-defined]
                              base_url=account_sim.base_url,  # type: ignore[attr-defined]
                              dtype_backend="pyarrow")
    table = history_frame.orgen.reconcile(activity, by=("provider_name", "model_permaslug"))
    assert (table["missing_requests"] == 0).all() and len(table) > 10
