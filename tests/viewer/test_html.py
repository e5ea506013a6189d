"""The viewer's HTML: detail panel and ranks (no kernel, no widgets)."""

from __future__ import annotations

import pandas as pd

from openrouter_frame import schema
from openrouter_frame.viewer import html

NOW = pd.Timestamp("2025-03-10T12:00:00Z")


def test_detail_sections_follow_the_schema_groups_then_other():
    row = {name: None for name in schema.COLUMNS} | {"shoe_size": 42, "total_cost": 0.5}
    sections = html.detail_sections(row, NOW)
    assert [g for g, _ in sections] == [*schema.GROUPS, "other"]
    for group, rows in sections[:-1]:
        assert [r[0] for r in rows] == list(schema.names(group))
        assert all(r[2] == schema.FIELDS[r[0]].description for r in rows)
    assert sections[-1] == ("other", [("shoe_size", "42", "")])
    cost = dict((r[0], r[1]) for r in sections[1][1])
    assert cost == {"total_cost": "$0.50", "cache_discount": "\u2014",
                    "upstream_inference_cost": "\u2014", "usage": "\u2014"}


def test_detail_html_escapes_values_and_marks_id_and_cost():
    row = {"id": "gen-<b>1</b>", "total_cost": 0.000345, "model": "a/b",
           "external_user": '<script>alert("x")</script>', "latency": None}
    text = html.detail_html(row, NOW)
    assert "<script>" not in text and "<b>1</b>" not in text
    assert '<code class="orgen-id">gen-&lt;b&gt;1&lt;/b&gt;</code>' in text
    assert '<b class="orgen-cost">$0.000345</b>' in text
    assert '<td class="orgen-field-latency">\u2014</td>' in text
    assert "orgen-group-identity" in text and "orgen-group-other" not in text


def test_ranks_html_shows_value_and_ranks_with_their_counts():
    text = html.ranks_html(
        {"effective_cost": 0.002, "latency": 1020.0, "tokens_per_second": None},
        {"effective_cost": 99.9, "latency": 50.0}, {"effective_cost": 12.0, "latency": None},
        counts={"effective_cost": (1000, 25), "latency": (990, 0)}, model="<m>")
    assert '<th title="&lt;m&gt;">in its model</th>' in text
    assert "<td>$0.002</td><td>100th of 1,000</td><td>12th of 25</td>" in text
    assert "<td>1.02 s</td><td>50th of 990</td><td>\u2014 of 0</td>" in text
    assert "<td>\u2014</td><td>\u2014</td><td>\u2014</td>" in text


def test_headline_has_copy_button_activity_link_badge_and_byok_cost():
    text = html.headline_html({"id": "gen-1/x", "total_cost": 0.00002, "model": "a/b"},
                              paid=0.00042, statuses=["failed"])
    assert 'data-id="gen-1/x"' in text and "clipboard" in text
    assert html.ACTIVITY_URL.format(id="gen-1%2Fx") in text
    assert '<b class="orgen-cost">$0.00042</b>' in text and "charged $0.00002" in text
    assert 'class="orgen-badge orgen-badge-failed">failed<' in text
    plain = html.headline_html({"id": "g", "total_cost": 0.5})
    assert "charged" not in plain and "orgen-badge" not in plain


def test_headline_leads_with_status_model_provider_timing_tokens_and_cost():
    text = html.headline_html(
        {"id": "g", "model": "a/b", "provider_name": "<P>", "latency": 650,
         "generation_time": 2190, "tokens_prompt": 1200, "tokens_completion": 34,
         "total_cost": 0.5, "finish_reason": "length"}, statuses=["truncated", "fell back"])
    first, second = text.split('<div class="orgen-facts">')[0], text.split("orgen-facts")[1]
    assert first.index("orgen-badge-truncated") < first.index("orgen-badge-fell-back") \
        < first.index('class="orgen-model">a/b<') < first.index("&lt;P&gt;") \
        < first.index('class="orgen-cost">$0.50<')
    for fact in ("latency 650 ms", "generation 2.19 s", "tokens 1,200 in / 34 out",
                 "finish length"):
        assert fact in second.split("orgen-idline")[0]


def test_css_uses_the_jupyterlab_theme_variables():
    for var in ("--jp-ui-font-color1", "--jp-layout-color2", "--jp-border-color1"):
        assert f"var({var}," in html.CSS


def test_every_html_the_library_renders_uses_one_escape_and_one_css_prefix():
    """Issue 18: one escape (html.escape based) and one CSS class prefix for all HTML."""
    import re

    from openrouter_frame.analysis.display import rich
    from openrouter_frame.analysis.markup import CSS_PREFIX, escape
    from openrouter_frame.analysis.report import report
    from openrouter_frame.analysis.summary import cost_summary
    from openrouter_frame.testing import sample_frame
    from openrouter_frame.viewer.content import content_html, state_html
    from openrouter_frame.viewer.cost import cost_breakdown, cost_html
    from openrouter_frame.viewer.fallback import attempts, fallback_html

    evil = '<b class="x">"A" & B</b>'
    df = sample_frame(40)
    df["model"] = pd.Series([evil] * len(df), index=df.index, dtype="category")
    row = df.iloc[0].to_dict()
    pages = {
        "rich-table": rich(cost_summary(df, by="model"))._repr_html_(),
        "report": report(df).html,
        "detail": html.detail_html(row),
        "fallback": fallback_html(attempts([{"provider_name": evil, "status": 200}])),
        "cost": cost_html(cost_breakdown(row)),
        "content": content_html({"messages": [{"role": "the user", "content": evil}],
                                 "completion": evil, "stored": True}),
        "state": state_html(evil, "failed"),
    }
    for name, page in pages.items():
        classes = {c for attr in re.findall(r'class="([^"]*)"', page) for c in attr.split()}
        assert classes and all(c.startswith(CSS_PREFIX) for c in classes), (name, classes)
        styles = "".join(re.findall(r"<style>(.*?)</style>", page, flags=re.S))
        selectors = set(re.findall(r"\.([a-z][a-z0-9_-]*)", styles))
        assert all(s.startswith(CSS_PREFIX) for s in selectors), (name, selectors)
        if name not in ("cost",):
            assert escape(evil) in page and evil not in page, name
