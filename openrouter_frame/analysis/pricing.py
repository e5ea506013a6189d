"""List prices against billed costs: expected cost, the price check and repricing.

A *price table* is what ``orf.fetch_prices()`` returns: one row per model
(``level == "model"``, ``provider_name`` NA) and, with ``endpoints=True``, one
per provider endpoint (``level == "endpoint"``), with ``Float64`` columns in
USD per unit named as OpenRouter's ``PublicPricing`` keys (``prompt``,
``completion``, ``request``, ``internal_reasoning``, ``input_cache_read``,
``image_token``, ...) and ``discount`` (the price is multiplied by
``1 - discount``).  A mapping ``{model: {key: price}}`` in the ``/models``
``pricing`` shape (numbers or decimal strings) is taken too, as model rows.

The list-price cost of a row, written once here (:func:`expected_cost`), is

    (prompt - cached) x ``prompt`` + cached x ``input_cache_read``
    + (completion - reasoning - images) x ``completion``
    + reasoning x ``internal_reasoning`` + images x ``image_token``
    + ``request``, all times ``1 - discount``

on the native token counts (``native_tokens_prompt``,
``native_tokens_cached``, ``native_tokens_completion``,
``native_tokens_reasoning``, ``native_tokens_completion_images``; an NA
sub-count is 0, an NA prompt or completion count makes the cost NA).  A
missing cache-read or reasoning price falls back to the prompt and completion
price; a missing ``image_token`` price to ``image_output`` (read per output
image token, as the simulator lists it), then to ``completion``.  The price is the served endpoint's
(``model`` and ``provider_name`` match an endpoint row) when the table has
it, else the model's; ``price_level`` says which.  Cache writes, input
images, audio and web searches are not priced: the frame has no count of
written tokens, and the others are billed by rules the table does not carry.

Examples
--------
>>> import pandas as pd
>>> from openrouter_frame.analysis.pricing import expected_cost
>>> df = pd.DataFrame({"model": ["a/b"], "provider_name": ["P"],
...     "native_tokens_prompt": [1000], "native_tokens_cached": [400],
...     "native_tokens_completion": [100], "native_tokens_reasoning": [0]})
>>> prices = {"a/b": {"prompt": "0.000001", "completion": "0.000002",
...                   "input_cache_read": "0.0000001"}}
>>> round(float(expected_cost(df, prices).iloc[0]), 9)
0.00084
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MissingColumnsError
from .metrics import effective_cost, float_col, floats, int_col, require
from .units import format_usd

__all__ = ["PRICE_KEYS", "Repricing", "expected_cost", "price_check", "price_table",
           "reprice", "row_prices"]

#: The price columns the expected cost uses (USD per token; ``request`` per call).
PRICE_KEYS = ("prompt", "completion", "input_cache_read", "internal_reasoning", "image_token",
              "image_output", "request", "discount")
#: Below this many USD a difference is rounding (the service rounds costs to 1e-9).
ATOL = 1e-9
_NEEDS = ("model", "native_tokens_prompt", "native_tokens_completion")


def price_table(prices: pd.DataFrame | Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``prices`` as a price table (see the module docstring); a mapping gives model rows.

    >>> t = price_table({"a/b": {"prompt": "0.000001", "completion": "0.000002"}})
    >>> t[["model", "level", "prompt"]].to_dict("records")
    [{'model': 'a/b', 'level': 'model', 'prompt': 1e-06}]
    """
    if isinstance(prices, pd.DataFrame):
        missing = [c for c in ("model", "prompt", "completion") if c not in prices.columns]
        if missing:
            raise MissingColumnsError("price table", missing)
        table = prices.copy()
        if "level" not in table.columns:
            table["level"] = "model"
        if "provider_name" not in table.columns:
            table["provider_name"] = pd.NA
        return table
    if not isinstance(prices, Mapping):
        raise TypeError("prices must be a price table (orf.fetch_prices()) or a mapping "
                        f"{{model: {{key: price}}}}, got {type(prices).__name__}")
    rows = []
    for model, pricing in prices.items():
        row: dict[str, Any] = {"model": str(model), "provider_name": pd.NA, "level": "model"}
        for key, value in dict(pricing).items():
            try:
                row[key] = float(value)
            except (TypeError, ValueError):
                continue  # overrides and other non-numbers are not prices per unit
        rows.append(row)
    table = pd.DataFrame(rows, columns=["model", "provider_name", "level", "prompt",
                                        "completion"] if not rows else None)
    for key in table.columns:
        if key not in ("model", "provider_name", "level"):
            table[key] = table[key].astype("Float64")
    return table.astype({"model": "string", "provider_name": "string", "level": "string"})


def _lookup(table: pd.DataFrame, keys: pd.MultiIndex | pd.Index, on: list[str],
            level: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rows = table[table["level"].astype("string").fillna("") == level]
    rows = rows.drop_duplicates(on, keep="last").set_index(on)
    where = rows.index.get_indexer(keys)
    found = where >= 0
    out = {}
    for key in PRICE_KEYS:
        values = floats(rows, key) if key in rows.columns else np.full(len(rows), np.nan)
        out[key] = np.where(found, values[np.maximum(where, 0)] if len(rows) else np.nan,
                            np.nan)
    return found, out


def row_prices(frame: pd.DataFrame, prices: pd.DataFrame | Mapping[str, Mapping[str, Any]]
               ) -> pd.DataFrame:
    """Each row's list prices (:data:`PRICE_KEYS`) and ``price_level`` (``endpoint``/``model``).

    The served endpoint's row (same ``model`` and ``provider_name``) when the
    table has one, else the model's row; NA prices and level where neither.
    """
    require(frame, ["model"], "row_prices")
    table = price_table(prices)
    model = frame["model"].astype("string")
    provider = (frame["provider_name"].astype("string") if "provider_name" in frame.columns
                else pd.Series(pd.NA, index=frame.index, dtype="string"))
    ep_keys = pd.MultiIndex.from_arrays([model.fillna(""), provider.fillna("")])
    ep_table = table.assign(model=table["model"].astype("string").fillna(""),
                            provider_name=table["provider_name"].astype("string").fillna(""))
    on_ep, ep = _lookup(ep_table, ep_keys, ["model", "provider_name"], "endpoint")
    on_ep &= provider.notna().to_numpy()
    on_model, mo = _lookup(ep_table, pd.Index(model.fillna("")), ["model"], "model")
    out = {key: float_col(np.where(on_ep, ep[key], mo[key])) for key in PRICE_KEYS}
    level = np.full(len(frame), None, dtype=object)
    level[on_model] = "model"
    level[on_ep] = "endpoint"
    return pd.DataFrame({**out, "price_level": pd.array(level, dtype="string")},
                        index=frame.index)


def _list_cost(frame: pd.DataFrame, p: pd.DataFrame) -> np.ndarray:
    """The list-price formula of the module docstring, on row prices ``p``."""
    prompt = floats(frame, "native_tokens_prompt")
    completion = floats(frame, "native_tokens_completion")

    def part(name: str, cap: np.ndarray) -> np.ndarray:
        return np.minimum(np.nan_to_num(floats(frame, name)), np.nan_to_num(cap))

    cached = part("native_tokens_cached", prompt)
    reasoning = part("native_tokens_reasoning", completion)
    images = part("native_tokens_completion_images", completion - reasoning)
    price = {k: floats(p, k) for k in PRICE_KEYS}

    def fallback(key: str, *others: str) -> np.ndarray:
        out = price[key]
        for other in others:
            out = np.where(np.isnan(out), price[other], out)
        return out

    cost = ((prompt - cached) * price["prompt"] + cached * fallback("input_cache_read", "prompt")
            + (completion - reasoning - images) * price["completion"]
            + reasoning * fallback("internal_reasoning", "completion")
            + images * fallback("image_token", "image_output", "completion")
            + np.nan_to_num(price["request"]))
    return np.asarray(cost * (1.0 - np.nan_to_num(price["discount"])))


def expected_cost(frame: pd.DataFrame, prices: pd.DataFrame | Mapping[str, Mapping[str, Any]]
                  ) -> pd.Series:
    """Each row's cost at list price (USD, ``Float64``): the module docstring's formula.

    NA where the table has no price for the row's model or a token count it
    needs is NA.

    Examples
    --------
    >>> from openrouter_frame.testing import sample_frame
    >>> from openrouter_frame.testing.prices import model_prices
    >>> df = sample_frame(40)
    >>> cost = expected_cost(df, model_prices())
    >>> bool(cost.notna().all()), cost.name
    (True, 'expected_cost_usd')
    """
    require(frame, _NEEDS, "expected_cost")
    return pd.Series(float_col(_list_cost(frame, row_prices(frame, prices))), index=frame.index,
                     name="expected_cost_usd")


def _reasons(frame: pd.DataFrame, p: pd.DataFrame, billed: np.ndarray, expected: np.ndarray
             ) -> np.ndarray:
    """The likely reason a row's billed cost is not its list-price cost."""
    n = len(frame)
    byok = (np.asarray(frame["is_byok"].fillna(False).to_numpy(dtype=bool))
            if "is_byok" in frame.columns else np.zeros(n, dtype=bool))
    discount = floats(frame, "cache_discount")
    level = p["price_level"].to_numpy(dtype=object, na_value=None)
    # The cost with no cache pricing: what billed + cache_discount would be at list price.
    no_cache = _list_cost(frame.assign(native_tokens_cached=0), p)
    explained = np.abs(billed + np.nan_to_num(discount) - no_cache) <= ATOL + 0.001 * no_cache
    reasons = np.full(n, "other", dtype=object)
    reasons[level == "model"] = "provider endpoint priced differently (no endpoint price)"
    reasons[level == "endpoint"] = "endpoint price differs from the one billed"
    reasons[(discount > 0) & explained] = "cache discount"
    reasons[discount < 0] = "cache write"
    reasons[byok] = "BYOK"
    reasons[np.isnan(expected)] = "missing price"
    return reasons


def price_check(frame: pd.DataFrame, prices: pd.DataFrame | Mapping[str, Mapping[str, Any]],
                tolerance: float = 0.02) -> pd.DataFrame:
    """The rows whose billed ``total_cost`` differs from :func:`expected_cost` beyond ``tolerance``.

    A row is flagged when ``|total_cost - expected| > tolerance x expected +
    1e-9`` (relative; the 1e-9 is the service's rounding), or when no price is
    known for it.  Rows with an NA ``total_cost`` are never flagged.
    ``reason`` is the likely cause, first match in this order:

    ``missing price``
        The table has no price for the row's model.
    ``BYOK``
        ``is_byok``: OpenRouter billed its fee; the provider billed the rest.
    ``cache write``
        A negative ``cache_discount``: written prompt tokens cost extra.
    ``cache discount``
        ``total_cost + cache_discount`` is the list price with no cache read.
    ``provider endpoint priced differently (no endpoint price)``
        Priced at the model's price: the served endpoint's may differ (fetch
        the table with ``endpoints=True``).
    ``endpoint price differs from the one billed``, ``other``
        Priced at the served endpoint's price, and still off.

    Returns the flagged rows' ``id`` (when present), ``model``,
    ``provider_name``, ``total_cost``, ``expected_cost_usd``,
    ``difference_usd`` (billed minus expected), ``difference_share``
    (relative to expected), ``price_level`` and ``reason``, on the frame's index.

    Examples
    --------
    >>> from openrouter_frame.testing import sample_frame
    >>> from openrouter_frame.testing.prices import model_prices
    >>> flagged = price_check(sample_frame(200), model_prices())
    >>> "BYOK" in set(flagged["reason"]) or flagged.empty
    True
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not (
            tolerance >= 0):
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    require(frame, [*_NEEDS, "total_cost"], "price_check")
    p = row_prices(frame, prices)
    expected = _list_cost(frame, p)
    billed = floats(frame, "total_cost")
    diff = billed - expected
    off = np.abs(diff) > tolerance * np.abs(np.nan_to_num(expected)) + ATOL
    flagged = ~np.isnan(billed) & (off | np.isnan(expected))
    reasons = _reasons(frame, p, billed, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(expected > 0, diff / np.where(expected > 0, expected, 1.0), np.nan)
    cols = [c for c in ("id", "model", "provider_name", "total_cost") if c in frame.columns]
    out = frame[cols].copy()
    out["expected_cost_usd"] = float_col(expected)
    out["difference_usd"] = float_col(diff)
    out["difference_share"] = float_col(share)
    out["price_level"] = p["price_level"]
    out["reason"] = pd.array(reasons, dtype="string")
    return out[flagged]


@dataclass(frozen=True)
class Repricing:
    """What the same token counts would have cost on other models (:func:`reprice`).

    Attributes
    ----------
    rows : pandas.DataFrame
        Per row: ``model``, ``to_model``, ``list_cost_usd`` (at the current
        model's list price), ``repriced_usd`` (at ``to_model``'s),
        ``saving_usd`` (the difference) and ``billed_usd`` (what was really
        paid, :func:`~.metrics.effective_cost`).
    summary : pandas.DataFrame
        The same per current model: ``calls``, the sums, ``saving_share``.
    headline : str
        One sentence: "moving these 1,200 calls from A to B saves $X, 31%".
    """

    rows: pd.DataFrame
    summary: pd.DataFrame
    headline: str

    def __str__(self) -> str:
        return self.headline

    def _repr_html_(self) -> str:
        from .display import rich
        from .markup import escape

        return f"<p>{escape(self.headline)}</p>" + rich(self.summary)._repr_html_()


def _targets(models: pd.Series, to: str | Mapping[str, str]) -> pd.Series:
    if isinstance(to, str):
        return pd.Series(to, index=models.index, dtype="string")
    if isinstance(to, Mapping):
        return models.map(lambda m: to.get(m) if isinstance(m, str) else None).astype("string")
    raise TypeError(f"to must be a model or a mapping {{model: model}}, got {type(to).__name__}")


def _pct(share: float) -> str:
    return f"{abs(share):.0%}" if np.isfinite(share) else "n/a"


def reprice(frame: pd.DataFrame, prices: pd.DataFrame | Mapping[str, Mapping[str, Any]],
            to: str | Mapping[str, str]) -> Repricing:
    """Price each row's native token counts on another model, at both models' list prices.

    ``to`` is one model for every row, or a mapping ``{current model: new
    model}`` (rows of other models are left out).  Both sides use the
    formula of :func:`expected_cost` at model level (endpoint prices differ
    per provider, and the new model's provider is not known), so BYOK, cache
    writes and endpoint discounts do not bias the comparison.  The counts are
    the current model's: another tokenizer would count the same text
    somewhat differently, which this cannot know.

    Examples
    --------
    >>> from openrouter_frame.testing import sample_frame
    >>> from openrouter_frame.testing.prices import model_prices
    >>> df = sample_frame(100)
    >>> df = df[df["model"] == "openai/gpt-4o"]
    >>> r = reprice(df, model_prices(), to="openai/gpt-4o-mini")
    >>> "saves" in r.headline and float(r.summary["saving_share"].iloc[0]) > 0.9
    True
    """
    require(frame, _NEEDS, "reprice")
    table = price_table(prices)
    models = table.loc[table["level"].astype("string").fillna("") == "model"]
    table = models.assign(provider_name=pd.NA)  # model level on both sides
    target = _targets(frame["model"].astype("string"), to)
    unknown = sorted(set(target.dropna()) - set(models["model"].dropna().astype(str)))
    if unknown:
        raise ValueError(f"reprice: no price for the target model(s) {unknown}")
    part = frame[target.notna().to_numpy()]
    target = target[target.notna()]
    plain = part.drop(columns=[c for c in ("provider_name",) if c in part.columns])
    now = _list_cost(plain, row_prices(plain, table))
    new = _list_cost(plain, row_prices(plain.assign(model=target.to_numpy()), table))
    rows = pd.DataFrame({
        "model": part["model"].astype("string"), "to_model": target,
        "list_cost_usd": float_col(now), "repriced_usd": float_col(new),
        "saving_usd": float_col(now - new), "billed_usd": float_col(effective_cost(part)),
    }, index=part.index)
    if "id" in part.columns:
        rows.insert(0, "id", part["id"])
    grouped = rows.groupby(["model", "to_model"], sort=False, observed=True, dropna=False)
    summary = grouped[["list_cost_usd", "repriced_usd", "saving_usd", "billed_usd"]].sum(
        min_count=1)
    summary.insert(0, "calls", int_col(grouped.size().to_numpy(dtype=float)))
    with np.errstate(divide="ignore", invalid="ignore"):
        total_now = summary["list_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
        saved = summary["saving_usd"].to_numpy(dtype=float, na_value=np.nan)
        summary["saving_share"] = float_col(np.where(total_now > 0, saved / total_now, np.nan))
    summary = summary.sort_values("list_cost_usd", ascending=False)
    return Repricing(rows=rows, summary=summary, headline=_headline(rows, summary))


def _headline(rows: pd.DataFrame, summary: pd.DataFrame) -> str:
    if rows.empty:
        return "no calls to reprice"
    now = float(np.nansum(rows["list_cost_usd"].to_numpy(dtype=float, na_value=np.nan)))
    saved = float(np.nansum(rows["saving_usd"].to_numpy(dtype=float, na_value=np.nan)))
    share = saved / now if now > 0 else float("nan")
    if len(summary) == 1:
        src, dst = summary.index[0]
        what = f"from {src} to {dst}"
    else:
        targets = set(summary.index.get_level_values("to_model"))
        what = f"from {len(summary)} models to " + (
            str(next(iter(targets))) if len(targets) == 1 else "their replacements")
    verb = "saves" if saved >= 0 else "costs"
    extra = "" if saved >= 0 else " more"
    return (f"moving these {len(rows):,} calls {what} {verb} {format_usd(abs(saved))}"
            f"{extra}, {_pct(share)} (at list prices)")
