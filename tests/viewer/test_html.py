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


def test_ranks_html_shows_value_overall_and_within_model():
    text = html.ranks_html({"total_cost": 0.002, "latency": 1020.0, "tokens_per_second": None},
                          {"total_cost": 99.9, "latency": 50.0},
                          {"total_cost": 12.0, "latency": None},
                          n_overall=1000, n_model=25, model="<m>")
    assert "of all 1,000" in text and '<th title="&lt;m&gt;">of 25 in its model</th>' in text
    assert "<td>$0.002</td><td>100th</td><td>12th</td>" in text
    assert "<td>1.02 s</td><td>50th</td><td>\u2014</td>" in text
    assert "<td>\u2014</td><td>\u2014</td><td>\u2014</td>" in text
