"""Plots: what was drawn on simulator data, fifty models folded to top-N + other, empty frames."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb

from openrouter_frame import MissingColumnsError
from openrouter_frame.analysis import colors, plotting, summary
from openrouter_frame.analysis.colors import OTHER_COLOR, color_for
from openrouter_frame.frame import empty_frame


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fifty_models(demo_frame):
    """The demo frame with its rows spread over 50 model names."""
    frame = demo_frame.copy()
    names = [f"vendor{i % 50:02d}/model-{i % 50:02d}" for i in range(len(frame))]
    frame["model"] = pd.Series(names, index=frame.index, dtype="category")
    return frame


def test_cost_over_time_bars_sum_to_the_cost(demo_frame):
    ax = plotting.plot_cost_over_time(demo_frame, freq="D", by="model", top=4)
    table = summary.cost_over_time(demo_frame, freq="D", by="model", top=4)
    assert len(ax.containers) == 5  # four models and "other"
    assert all(len(c.patches) == len(table) for c in ax.containers)
    heights = sum(p.get_height() for c in ax.containers for p in c.patches)
    assert heights == pytest.approx(demo_frame["total_cost"].sum())
    assert ax.get_ylabel() == "cost per day (USD)" and "UTC" in ax.get_xlabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "other" and sorted(legend) == sorted(table.columns)  # top of the stack
    for container in ax.containers[1:]:  # stacked: each layer starts where the last ended
        assert all(p.get_y() >= 0 for p in container.patches)


def test_cost_over_time_draws_on_a_given_axes(demo_frame):
    fig, axes = plt.subplots(1, 2)
    ax = plotting.plot_cost_over_time(demo_frame, freq="W", by=None, ax=axes[1])
    assert ax is axes[1] and not axes[0].patches and len(plt.get_fignums()) == 1
    assert len(ax.containers) == 1 and ax.get_legend() is None


def test_cost_by_bars_equal_the_cost_summary(demo_frame):
    ax = plotting.plot_cost_by(demo_frame, by="provider_name", top=50)
    table = summary.cost_summary(demo_frame, by="provider_name")
    widths = [p.get_width() for p in ax.patches]
    assert len(widths) == len(table)
    assert sum(widths) == pytest.approx(table["total_cost_usd"].sum())
    assert widths == pytest.approx(table["total_cost_usd"].fillna(0).tolist())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [str(x) for x in table.index] and "<NA>" in labels
    assert ax.get_xlabel() == "total cost (USD)" and ax.get_ylabel() == "provider"
    bar_texts = [t.get_text() for t in ax.texts]
    assert all(t.startswith("$") and t.endswith("%)") for t in bar_texts)
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "$0.50"


def test_fifty_models_fold_into_top_and_other(fifty_models):
    ax = plotting.plot_cost_by(fifty_models, by="model", top=15)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ax.patches) == 16 and labels[-1] == "other"
    assert sum(p.get_width() for p in ax.patches) == pytest.approx(
        fifty_models["total_cost"].sum())
    ax = plotting.plot_cost_over_time(fifty_models, freq="W", by="model", top=8)
    assert len(ax.containers) == 9
    assert len(ax.get_legend().get_texts()) == 9
    ax = plotting.plot_latency(fifty_models, by="model", top=8)
    assert len(ax.lines) == 9 and ax.lines[-1].get_label().startswith("other")
    ax = plotting.plot_tokens_vs_cost(fifty_models, top=8)
    assert len(ax.collections) == 9


@pytest.mark.parametrize("metric", ["latency", "generation_time", "tokens_per_second"])
def test_latency_ecdf(demo_frame, metric):
    ax = plotting.plot_latency(demo_frame, by="provider_name", kind="ecdf", metric=metric,
                               top=5)
    assert len(ax.lines) == 6
    assert ax.get_xlabel().startswith(plotting.METRIC_LABELS[metric])
    assert ax.get_xscale() == "log"
    assert re.search(r" \((ms|s|min|tokens/s)\)$", ax.get_xlabel())
    for line in ax.lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert y[-1] == pytest.approx(1.0) and (np.diff(y) >= 0).all()
    counts = sum(int(line.get_label().split("n=")[1].rstrip(")").replace(",", ""))
                 for line in ax.lines)
    values = summary.tokens_per_second(demo_frame) if metric == "tokens_per_second" \
        else demo_frame[metric]
    assert counts == int((values > 0).sum())  # every positive value, no other


def test_latency_box(demo_frame):
    ax = plotting.plot_latency(demo_frame, by="provider_name", kind="box", top=4, log=False)
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    by_median = demo_frame.groupby("provider_name", observed=True)["latency"].median()
    slowest = by_median.sort_values(ascending=False).index[0]
    assert labels[0].startswith(f"{slowest} (n=") and labels[-1].startswith("other")
    label, caption = ax.get_xlabel().split("\n")
    unit = re.fullmatch(r"total latency \((ms|s|min)\)", label).group(1)
    assert caption == plotting.BOX_CAPTION
    assert "whiskers: 5th to 95th percentile" in plotting.BOX_CAPTION
    assert ax.get_xscale() == "linear"
    medians = [line.get_xdata()[0] for line in ax.lines if line.get_gid() == "median"]
    assert len(medians) == 5
    per = {"ms": 1.0, "s": 1000.0, "min": 60000.0}[unit]
    assert medians[0] == pytest.approx(by_median[slowest] / per)  # in the label's unit
    assert medians[:4] == sorted(medians[:4], reverse=True)  # slowest on top


def test_tokens_vs_cost_scatter(demo_frame):
    ax = plotting.plot_tokens_vs_cost(demo_frame, by="model", top=5)
    assert all(isinstance(c, PathCollection) for c in ax.collections)
    assert len(ax.collections) == 6
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_ylabel() == "cost (USD)" and "tokens" in ax.get_xlabel()
    points = sum(len(c.get_offsets()) for c in ax.collections)
    tokens = demo_frame["native_tokens_prompt"].fillna(0) + demo_frame[
        "native_tokens_completion"].fillna(0)
    assert points == int(((tokens > 0) & (demo_frame["total_cost"] > 0)).sum())


def test_tokens_vs_cost_samples_large_frames(demo_frame):
    ax = plotting.plot_tokens_vs_cost(demo_frame, max_points=100)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 100
    assert "sample of 100" in ax.get_title()


PLOTS = {
    "cost_over_time": lambda df: plotting.plot_cost_over_time(df),
    "cost_by": lambda df: plotting.plot_cost_by(df),
    "latency_ecdf": lambda df: plotting.plot_latency(df),
    "latency_box": lambda df: plotting.plot_latency(df, kind="box", metric="generation_time"),
    "tokens_per_second": lambda df: plotting.plot_latency(df, metric="tokens_per_second"),
    "tokens_vs_cost": lambda df: plotting.plot_tokens_vs_cost(df),
}


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
@pytest.mark.parametrize("name", list(PLOTS))
def test_empty_frame_gives_an_empty_labelled_plot(name, backend):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = PLOTS[name](empty_frame(backend))
        ax.figure.canvas.draw()
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert not ax.patches and not ax.lines and not ax.collections
    assert [t.get_text() for t in ax.texts] == ["no generations to plot"]


@pytest.mark.parametrize("name", list(PLOTS))
def test_plots_render_on_arrow_frames(name, demo_frame):
    arrow = demo_frame.iloc[:, :32].convert_dtypes(dtype_backend="pyarrow")
    ax = PLOTS[name](arrow)
    ax.figure.canvas.draw()
    assert ax.patches or ax.lines or ax.collections


@pytest.mark.parametrize(("call", "missing"), [
    (lambda df: plotting.plot_cost_by(df.drop(columns="total_cost")), "total_cost"),
    (lambda df: plotting.plot_cost_over_time(df.drop(columns="created_at")), "created_at"),
    (lambda df: plotting.plot_latency(df.drop(columns="latency")), "latency"),
    (lambda df: plotting.plot_latency(df, by="nope"), "nope"),
    (lambda df: plotting.plot_tokens_vs_cost(df.drop(columns="native_tokens_prompt")),
     "native_tokens_prompt"),
], ids=["cost_by", "cost_over_time", "latency", "latency-by", "tokens_vs_cost"])
def test_missing_columns_raise(demo_frame, call, missing):
    with pytest.raises(MissingColumnsError, match=missing) as info:
        call(demo_frame)
    assert info.value.method.startswith("plot_")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"kind": "violin"}, "kind"), ({"metric": "cost"}, "metric"), ({"top": 0}, "top")],
    ids=["kind", "metric", "top"])
def test_bad_plot_arguments(demo_frame, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_latency(demo_frame, **kwargs)


# -- colours, legends, the 2x2 grid a reviewer looks at -------------------------------------
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _colour_of(artist) -> tuple[float, ...]:
    face = artist.get_facecolor()
    face = np.asarray(face, dtype=float).reshape(-1, 4)[0]
    return tuple(np.round(face[:3], 4))


def test_same_model_same_colour_in_every_plot(demo_frame):
    """Bars of plot_cost_by, layers of plot_cost_over_time and points of plot_tokens_vs_cost."""
    by = plotting.plot_cost_by(demo_frame, by="model", top=6)
    labels = [t.get_text() for t in by.get_yticklabels()]
    bars = dict(zip(labels, (_colour_of(p) for p in by.patches), strict=True))
    over = plotting.plot_cost_over_time(demo_frame, freq="W", by="model", top=3)
    layers = {c.get_label(): _colour_of(c.patches[0]) for c in over.containers}
    scatter = plotting.plot_tokens_vs_cost(demo_frame, by="model", top=8)
    points = {c.get_label(): _colour_of(c) for c in scatter.collections}
    shared = (set(bars) & set(layers) & set(points)) - {"other"}
    assert len(shared) >= 3  # the top models by cost are in all three
    for model in shared:
        assert bars[model] == layers[model] == points[model], model
        assert bars[model] == tuple(np.round(to_rgb(color_for(model, "model")), 4))
    assert layers["other"] == tuple(np.round(to_rgb(OTHER_COLOR), 4))
    assert len(set(bars.values())) == len(bars)  # no two bars of one plot share a colour


def test_same_provider_same_colour_in_ecdf_and_box(demo_frame):
    ecdf = plotting.plot_latency(demo_frame, by="provider_name", top=4)
    lines = {line.get_label().split(" (n=")[0]: to_rgb(line.get_color()) for line in ecdf.lines}
    box = plotting.plot_latency(demo_frame, by="provider_name", kind="box", top=4)
    names = [t.get_text().split(" (n=")[0] for t in box.get_yticklabels()]
    boxes = {n: to_rgb(p.get_facecolor()) for n, p in zip(names, box.patches, strict=True)}
    assert set(lines) == set(boxes)
    assert all(np.allclose(lines[n], boxes[n]) for n in lines)


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0) * max(h, 0)


DEFAULTS = {
    "cost_over_time": lambda df, ax: plotting.plot_cost_over_time(df, by="model", ax=ax),
    "cost_by": lambda df, ax: plotting.plot_cost_by(df, ax=ax),
    "latency": lambda df, ax: plotting.plot_latency(df, ax=ax),
    "tokens_vs_cost": lambda df, ax: plotting.plot_tokens_vs_cost(df, ax=ax),
}


def test_four_default_plots_in_a_grid_no_legend_covers_data(demo_frame):
    """Draws tests/artifacts/default_plots.png for a reviewer, then checks every legend
    against every data area (no overlap) and the x tick labels against the x label."""
    colors.DEFAULT.reset()  # as in a fresh session (other tests drew fifty models)
    fig, axes = plt.subplots(2, 2, figsize=(16, 10), layout="constrained")
    for (name, draw), ax in zip(DEFAULTS.items(), axes.ravel(), strict=True):
        assert draw(demo_frame, ax) is ax, name
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / "default_plots.png", dpi=80)
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend() for ax in axes.ravel() if ax.get_legend() is not None]
    assert len(legends) == 3  # all but the bars, whose labels are the y ticks
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in axes.ravel():
            assert _overlap(box, ax.get_window_extent(renderer)) == 0, ax.get_title()
    for ax in axes.ravel():
        label = ax.xaxis.label.get_window_extent(renderer)
        offset = ax.xaxis.get_offset_text()
        if offset.get_text():
            assert _overlap(label, offset.get_window_extent(renderer)) == 0, ax.get_title()
    assert (ARTIFACTS / "default_plots.png").stat().st_size > 10_000


#: Each plot, and the column its legend names (``None``: no legend; the groups are ticks).
LEGENDS = {
    "cost_over_time-one-layer": (lambda df: plotting.plot_cost_over_time(df), None),
    "cost_over_time-by-model": (lambda df: plotting.plot_cost_over_time(df, by="model"),
                                "model"),
    "cost_by": (lambda df: plotting.plot_cost_by(df), None),
    "latency_ecdf": (lambda df: plotting.plot_latency(df), "provider_name"),
    "latency_box": (lambda df: plotting.plot_latency(df, kind="box"), None),
    "tokens_per_second": (lambda df: plotting.plot_latency(df, metric="tokens_per_second"),
                          "provider_name"),
    "tokens_vs_cost": (lambda df: plotting.plot_tokens_vs_cost(df), "model"),
}


@pytest.mark.parametrize("name", list(LEGENDS), ids=list(LEGENDS))
def test_own_figure_legend_outside_the_axes(demo_frame, name):
    draw, column = LEGENDS[name]
    ax = draw(demo_frame)
    ax.figure.canvas.draw()
    legend = ax.get_legend()
    if column is None:
        assert legend is None
        return
    assert legend is not None
    labels = [t.get_text().split(" (n=")[0] for t in legend.get_texts()]
    drawn = [a.get_label().split(" (n=")[0]
             for a in [*ax.lines, *ax.collections, *ax.containers]]
    assert sorted(labels) == sorted(drawn) and len(labels) >= 2  # one entry per group drawn
    names = set(demo_frame[column].dropna().astype(str)) | {"other", "<NA>"}
    assert set(labels) <= names
    assert legend.get_title().get_text().split(",")[0] == plotting.column_label(column)
    renderer = ax.figure.canvas.get_renderer()
    assert _overlap(legend.get_window_extent(renderer), ax.get_window_extent(renderer)) == 0
    assert ax.figure.bbox.contains(*legend.get_window_extent(renderer).p1)  # not cut off


@pytest.mark.parametrize("name", list(PLOTS))
def test_labels_use_readable_names(demo_frame, name):
    ax = PLOTS[name](demo_frame)
    text = " ".join([ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                     ax.get_legend().get_title().get_text() if ax.get_legend() else ""])
    assert "provider_name" not in text and "_at" not in text and "'D'" not in text


def test_cost_over_time_has_no_offset_text_on_the_date_axis(demo_frame):
    ax = plotting.plot_cost_over_time(demo_frame, freq="D")
    ax.figure.canvas.draw()
    assert ax.xaxis.get_offset_text().get_text() == ""
    year = str(demo_frame["created_at"].min().year)
    assert year in ax.get_xlabel() and "one bar per day" in ax.get_xlabel()


@pytest.mark.parametrize(("freq", "words"), [("D", "day"), ("2D", "2 days"), ("W", "week"),
                                             ("MS", "month"), ("h", "hour")],
                         ids=["D", "2D", "W", "MS", "h"])
def test_period_names(freq, words):
    assert plotting._period_name(freq) == words


# -- names matplotlib would read as mathtext ------------------------------------------------
EVIL = "evil/$\\undefinedcmd{x}$"


@pytest.fixture(scope="module")
def evil_frame(demo_frame):
    """The demo frame with half its rows on a model and a provider named like mathtext."""
    frame = demo_frame.copy()
    half = np.arange(len(frame)) % 2 == 0
    for column in ("model", "provider_name"):
        values = frame[column].astype(object).to_numpy(copy=True)
        values[half] = EVIL
        frame[column] = pd.Series(values, index=frame.index, dtype="category")
    return frame


def _shown(text) -> str:
    """What matplotlib draws for a Text: its string once ``\\$`` escapes are read."""
    shown, is_math = text._preprocess_math(text.get_text())
    assert not is_math, text.get_text()
    return shown


@pytest.mark.parametrize(("draw", "where"), [
    (lambda df: plotting.plot_cost_by(df, by="model"), "yticks"),
    (lambda df: plotting.plot_cost_by(df, by="provider_name"), "yticks"),
    (lambda df: plotting.plot_cost_over_time(df, by="model"), "legend"),
    (lambda df: plotting.plot_latency(df, by="provider_name", top=None), "legend"),
    (lambda df: plotting.plot_latency(df, by="model", kind="box", top=None), "yticks"),
    (lambda df: plotting.plot_tokens_vs_cost(df, by="provider_name"), "legend"),
], ids=["cost_by-model", "cost_by-provider", "cost_over_time", "latency-ecdf", "latency-box",
        "tokens_vs_cost"])
def test_a_dollar_in_a_name_is_shown_as_it_is(evil_frame, draw, where):
    """Issue 18, defect 8: a name with two ``$`` was parsed as mathtext and failed to draw."""
    ax = draw(evil_frame)
    ax.figure.canvas.draw()  # Agg: mathtext would raise ValueError here
    texts = ax.get_legend().get_texts() if where == "legend" else ax.get_yticklabels()
    shown = [_shown(t).split(" (n=")[0] for t in texts]
    assert EVIL in shown
    for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]:
        _shown(t)


def test_a_dollar_in_a_name_in_the_viewer_chart():
    """Issue 18, defect 8: the viewer's chart titles a model by its name."""
    from openrouter_frame.viewer.chart import DistributionChart

    chart = DistributionChart(np.array([100.0, 250.0, 400.0]), xlabel="latency (ms)",
                              title=EVIL)
    assert chart.png(250.0, "this one: $1.00 ($2)").startswith(b"\x89PNG")  # draws with Agg
    assert _shown(chart.axes.title) == f"{EVIL} (n = 3)"
    assert _shown(chart.label) == "this one: $1.00 ($2)"


# -- issue 21: "which provider is slow?" and one colour per group in a figure ----------------
def _legend_names(ax) -> list[str]:
    return [t.get_text().split(" (n=")[0] for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("kind", ["ecdf", "box"], ids=["ecdf", "box"])
def test_latency_plot_names_the_slow_small_providers(slow_small_frame, kind):
    """The three slowest providers are the three smallest: drawn by name, slowest first."""
    counts = slow_small_frame["provider_name"].value_counts()
    assert set(counts.index[-3:]) == {"Slow-A", "Slow-B", "Slow-C"}  # the smallest
    ax = plotting.plot_latency(slow_small_frame, by="provider_name", kind=kind)  # top=8
    names = _legend_names(ax) if kind == "ecdf" else \
        [t.get_text().split(" (n=")[0] for t in ax.get_yticklabels()]
    assert names[:3] == ["Slow-C", "Slow-B", "Slow-A"]
    assert len(names) == 9 and names[-1] == "other"  # 8 slowest + the faster rest


@pytest.mark.parametrize("metric", ["latency", "tokens_per_second"], ids=["latency", "speed"])
def test_latency_plot_top_none_draws_every_group(slow_small_frame, metric):
    ax = plotting.plot_latency(slow_small_frame, by="provider_name", metric=metric, top=None)
    names = _legend_names(ax)
    assert "other" not in names and len(names) == 15
    values = summary.tokens_per_second(slow_small_frame) if metric == "tokens_per_second" \
        else slow_small_frame["latency"]
    medians = values[values > 0].groupby(slow_small_frame["provider_name"],
                                         observed=True).median()
    expected = medians.sort_values(ascending=metric == "tokens_per_second")
    assert names == expected.index.astype(str).tolist()  # slowest first


def _many_providers(demo_frame, k: int):
    frame = demo_frame.copy()
    names = [f"Provider {i % k:02d}" for i in range(len(frame))]
    frame["provider_name"] = pd.Series(names, index=frame.index, dtype="category")
    return frame


def _drawn_colours(ax) -> dict[str, tuple[float, ...]]:
    if ax.get_legend() is not None:
        legend = ax.get_legend()
        return {t.get_text().split(" (n=")[0]: to_rgb(h.get_color() if hasattr(h, "get_color")
                                                      and not hasattr(h, "get_facecolor")
                                                      else h.get_facecolor())
                for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    names = [t.get_text().split(" (n=")[0] for t in ax.get_yticklabels()]
    return {n: to_rgb(p.get_facecolor()) for n, p in zip(names, ax.patches, strict=True)}


@pytest.mark.parametrize("k", [8, 15], ids=["8-groups", "15-groups"])
@pytest.mark.parametrize("draw", [
    lambda df, k: plotting.plot_cost_by(df, by="provider_name", top=k),
    lambda df, k: plotting.plot_latency(df, by="provider_name", top=k),
    lambda df, k: plotting.plot_latency(df, by="provider_name", kind="box", top=k),
    lambda df, k: plotting.plot_cost_over_time(df, freq="W", by="provider_name", top=k),
    lambda df, k: plotting.plot_tokens_vs_cost(df, by="provider_name", top=k),
], ids=["cost_by", "ecdf", "box", "cost_over_time", "tokens_vs_cost"])
def test_no_two_groups_share_a_colour_in_one_figure(demo_frame, monkeypatch, k, draw):
    """Issue 21: after a 15-provider plot took the palette, a later ECDF drew two providers
    in one pink.  Colours given earlier in the session (more values than the palette holds)
    must not make two groups of one figure alike; a group keeps its colour where it can."""
    fresh = colors.ColorMap()
    monkeypatch.setattr(colors, "DEFAULT", fresh)
    for i in range(40):  # an earlier plot of many providers used up every slot
        fresh(f"Earlier {i:02d}", "provider_name")
    frame = _many_providers(demo_frame, k)
    ax = draw(frame, k)
    drawn = _drawn_colours(ax)
    assert len(drawn) == k  # every group drawn on its own, none folded
    assert len(set(drawn.values())) == k, drawn  # no two alike
    assert to_rgb(OTHER_COLOR) not in drawn.values()
    again = _drawn_colours(draw(frame, k))
    assert again == drawn  # the same figure twice: the same colours


def test_a_group_keeps_its_colour_when_it_is_free(demo_frame, monkeypatch):
    fresh = colors.ColorMap()
    monkeypatch.setattr(colors, "DEFAULT", fresh)
    frame = _many_providers(demo_frame, 8)
    ax = plotting.plot_latency(frame, by="provider_name", top=None)
    for name, rgb in _drawn_colours(ax).items():
        assert np.allclose(rgb, to_rgb(fresh(name, "provider_name"))), name


def _hourly(demo_frame, periods: int):
    """The demo frame with its generations spread evenly over ``periods`` hours."""
    frame = demo_frame.copy()
    start = pd.Timestamp("2026-11-01", tz="UTC")
    hours = np.arange(len(frame)) * (periods - 1) // max(len(frame) - 1, 1)
    frame["created_at"] = (start + pd.to_timedelta(hours, unit="h")).astype(
        frame["created_at"].dtype)
    return frame


@pytest.mark.parametrize(("periods", "kind"), [
    (plotting.BAR_PERIODS, "bars"), (plotting.BAR_PERIODS + 1, "area"), (400, "area"),
], ids=["at-the-limit", "one-past", "many"])
@pytest.mark.parametrize("by", [None, "model"], ids=["one-layer", "by-model"])
def test_cost_over_time_bars_or_area_by_period_count(demo_frame, periods, kind, by):
    frame = _hourly(demo_frame, periods)
    table = summary.cost_over_time(frame, freq="h", by=by, top=3)
    assert len(table) == periods
    ax = plotting.plot_cost_over_time(frame, freq="h", by=by, top=3)
    layers = len(table.columns)
    if kind == "bars":
        assert len(ax.containers) == layers and not ax.collections
        assert "one bar per hour" in ax.get_xlabel()
        return
    assert not ax.containers and not ax.patches
    assert len(ax.collections) == layers and "one step per hour" in ax.get_xlabel()
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    per_period = table.sum(axis=1).to_numpy()
    assert top == pytest.approx(per_period.max())  # the stack reaches the busiest hour
    if by is not None:
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert sorted(legend) == sorted(table.columns)
        assert ax.get_title() == "Cost per hour by model"
    else:
        assert ax.get_title() == "Cost per hour"


def test_cost_over_time_area_layers_sum_to_the_cost(demo_frame):
    """A step area is flat over each hour: its area in cost-hours is the frame's cost."""
    frame = _hourly(demo_frame, 300)
    ax = plotting.plot_cost_over_time(frame, freq="h", by="model", top=3)
    area_days = 0.0  # x is in days: the shoelace area of every layer's polygon
    for layer in ax.collections:
        for polygon in layer.get_paths()[0].to_polygons():
            x, y = polygon[:, 0], polygon[:, 1]
            area_days += abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2
    assert area_days * 24 == pytest.approx(frame["total_cost"].sum(), rel=1e-6)


@pytest.mark.parametrize(("median_ms", "unit"), [(300.0, "ms"), (5_000.0, "s"),
                                                 (600_000.0, "min")], ids=["ms", "s", "min"])
@pytest.mark.parametrize("kind", ["ecdf", "box"])
def test_latency_axis_unit_matches_its_tick_values(demo_frame, median_ms, unit, kind):
    """Issue 21: axis units match tick labels; values are drawn in the unit the label names."""
    frame = demo_frame.copy()
    frame["latency"] = frame["latency"] * (median_ms / float(frame["latency"].median()))
    ax = plotting.plot_latency(frame, by=None, kind=kind, log=False)
    assert ax.get_xlabel().split("\n")[0] == f"total latency ({unit})"
    per = {"ms": 1.0, "s": 1000.0, "min": 60000.0}[unit]
    latency = frame["latency"].dropna()
    if kind == "ecdf":
        drawn = np.asarray(ax.lines[0].get_xdata(), dtype=float)
        assert drawn.max() == pytest.approx(latency.max() / per)
    else:
        median = [line.get_xdata()[0] for line in ax.lines if line.get_gid() == "median"][0]
        assert median == pytest.approx(latency.median() / per)
    ax.figure.canvas.draw()
    ticks = [t.get_position()[0] for t in ax.get_xticklabels() if t.get_text()]
    assert min(ticks) <= latency.median() / per <= max(ticks)
