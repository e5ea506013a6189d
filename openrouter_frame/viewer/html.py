"""The viewer's HTML: the detail panel (every field, grouped and formatted) and the ranks.

Pure functions of a row (a mapping), testable without a kernel; values are
formatted by :mod:`openrouter_frame.analysis.units`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .. import schema
from ..analysis.markup import escape
from ..analysis.units import (
    EM_DASH,
    format_count,
    format_ms,
    format_other,
    format_usd,
    format_value,
    ordinal,
)
from ..schema import is_na

#: Titles of the schema's groups, in display order, then the extra fields.
GROUP_TITLES: dict[str, str] = {
    "identity": "Identity",
    "cost": "Cost",
    "timing": "Timing",
    "tokens": "Tokens",
    "media": "Media",
    "flags": "Flags",
    "other": "Other (fields not in the schema)",
}

#: The metrics ranked in the detail panel: (key, label).  Cost is what was really paid
#: (``effective_cost``: ``total_cost`` plus the upstream cost of a BYOK generation).
RANK_METRICS: tuple[tuple[str, str], ...] = (
    ("effective_cost", "cost (paid)"),
    ("latency", "latency"),
    ("tokens_per_second", "tokens / second"),
)


#: A generation on OpenRouter's activity page (``{id}``: the generation id, URL-quoted).
ACTIVITY_URL = "https://openrouter.ai/activity?generation_id={id}"

#: The viewer's and the static snapshot's style: JupyterLab's ``--jp-*`` theme variables
#: (light and dark alike), with fallbacks for pages without them (nbconvert, GitHub).
CSS = """<style>
.orgen-viewer,.orgen-static{color:var(--jp-ui-font-color1,#1f2328);
  font-family:var(--jp-ui-font-family,system-ui,sans-serif);max-width:100%;min-width:0}
.orgen-viewer .widget-html-content{line-height:1.4;white-space:normal}
.orgen-viewer .widget-html,.orgen-viewer .widget-html-content{max-width:100%;min-width:0}
.orgen-viewer .jupyter-button,.orgen-viewer .widget-toggle-button{flex:0 0 auto;
  text-overflow:clip}
.orgen-viewer .widget-label{overflow:visible}
.orgen-viewer .orgen-row{gap:4px 12px}
.orgen-viewer .orgen-walk{gap:4px 6px}
.orgen-viewer .orgen-why{gap:4px 28px}
.orgen-viewer .orgen-body{gap:8px 20px;align-items:flex-start}
.orgen-viewer .orgen-why>*{max-width:100%;min-width:0}
.orgen-viewer .orgen-groups,.orgen-static .orgen-groups{display:flex;flex-wrap:wrap;
  gap:4px 16px;align-items:flex-start}
.orgen-viewer table,.orgen-static table{border-collapse:collapse;font-size:12px;margin:2px 0;
  color:inherit;background:transparent}
.orgen-viewer caption,.orgen-static caption,.orgen-caption{text-align:left;font-weight:bold;
  padding-top:4px;color:var(--jp-ui-font-color1,#1f2328);white-space:nowrap}
.orgen-viewer th,.orgen-viewer td,.orgen-static th,.orgen-static td{
  padding:1px 10px 1px 0 !important;line-height:1.35;vertical-align:top;
  text-align:left !important;
  border:none;background:transparent !important;color:inherit}
.orgen-viewer th,.orgen-static th{font-weight:normal;color:var(--jp-ui-font-color2,#57606a);
  white-space:nowrap}
.orgen-viewer td,.orgen-static td{font-family:var(--jp-code-font-family,monospace);
  overflow-wrap:break-word;word-break:normal}
.orgen-scroll{overflow-x:auto;max-width:100%}
.orgen-group td{max-width:36em}
.orgen-fallback td,.orgen-costs td,.orgen-ranks td{white-space:nowrap}
.orgen-headline{font-size:14px;margin:4px 0 2px;display:flex;gap:4px 10px;
  align-items:baseline;flex-wrap:wrap}
.orgen-facts{font-size:12px;display:flex;flex-wrap:wrap;gap:2px 14px;margin:2px 0}
.orgen-facts span{white-space:nowrap}
.orgen-idline{font-size:11px;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline;
  margin:2px 0 4px}
.orgen-id{overflow-wrap:anywhere}
.orgen-muted{color:var(--jp-ui-font-color2,#57606a)}
.orgen-badge{border-radius:8px;padding:0 7px;font-size:11px;font-weight:bold;
  color:#fff;background:var(--jp-warn-color1,#bc4c00);white-space:nowrap}
.orgen-badge-ok{background:var(--jp-success-color1,#1a7f37)}
.orgen-badge-failed{background:var(--jp-error-color1,#cf222e)}
.orgen-badge-cancelled{background:var(--jp-ui-font-color2,#57606a)}
.orgen-failed td{color:var(--jp-error-color1,#cf222e)}
.orgen-copy{font-size:11px;cursor:pointer;color:var(--jp-ui-font-color1,#1f2328);
  background:var(--jp-layout-color2,#f6f8fa);border:1px solid var(--jp-border-color1,#d0d7de);
  border-radius:4px}
.orgen-headline a,.orgen-idline a{color:var(--jp-content-link-color,#0969da)}
.orgen-content{max-width:760px;font-size:12px;margin:6px 0}
.orgen-content-title{font-weight:bold;margin:4px 0}
.orgen-msg{margin:3px 0;padding:3px 8px;border-left:3px solid var(--jp-border-color1,#d0d7de);
  background:var(--jp-layout-color2,#f6f8fa)}
.orgen-completion{border-left-color:var(--jp-brand-color1,#0969da)}
.orgen-content-error{border-left-color:var(--jp-error-color1,#cf222e)}
.orgen-role{font-size:10px;line-height:1.3;text-transform:uppercase;
  color:var(--jp-ui-font-color2,#57606a)}
.orgen-text{white-space:pre-wrap;font-family:var(--jp-code-font-family,monospace);
  line-height:1.45;overflow-wrap:break-word;max-height:240px;overflow:auto}
.orgen-reasoning,.orgen-more{margin:3px 0;padding:2px 8px;
  border-left:3px dashed var(--jp-border-color1,#d0d7de)}
.orgen-reasoning summary,.orgen-more summary,.orgen-extra summary{cursor:pointer;
  color:var(--jp-ui-font-color2,#57606a)}
.orgen-cost-note{font-size:12px;margin:2px 0}
.orgen-empty{font-size:13px;padding:12px 0;color:var(--jp-ui-font-color2,#57606a)}
.orgen-attempts{max-width:100%;min-width:0}
.orgen-timeline{margin:4px 0 6px;font-size:12px;max-width:560px;display:grid;
  grid-template-columns:max-content minmax(80px,1fr) max-content;gap:2px 6px;
  align-items:center}
.orgen-timeline .orgen-caption{grid-column:1/-1}
.orgen-lane{display:contents}
.orgen-lane-name{white-space:nowrap}
.orgen-track{position:relative;height:12px;background:var(--jp-layout-color2,#f0f2f4)}
.orgen-bar{position:absolute;top:0;bottom:0;border-radius:2px}
.orgen-bar-served{background:var(--jp-success-color1,#1a7f37)}
.orgen-bar-failed{background:var(--jp-error-color1,#cf222e)}
.orgen-bar-error{background:var(--jp-warn-color1,#bc4c00)}
.orgen-lane-time{text-align:right;white-space:nowrap;
  font-family:var(--jp-code-font-family,monospace)}
.orgen-axis .orgen-track{background:none;display:flex;justify-content:space-between;
  height:auto;font-size:10px;color:var(--jp-ui-font-color2,#57606a)}
.orgen-viewer .orgen-list select,.orgen-list-cols{font-family:var(--jp-code-font-family,
  monospace);font-size:11px}
.orgen-list-cols{white-space:pre;padding-left:5px;color:var(--jp-ui-font-color2,#57606a);
  overflow:hidden}
.orgen-count-text{display:inline-block;text-align:center;white-space:nowrap;
  font-variant-numeric:tabular-nums}
.jp-OutputArea:has(.orgen-viewer) .orgen-twin,.output_area:has(.orgen-viewer) .orgen-twin,
.output:has(.orgen-viewer) .orgen-twin{display:none}
</style>"""


def detail_sections(row: Mapping[str, Any], now: Any = None
                    ) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The fields of one generation grouped for display.

    Returns ``[(group, [(name, formatted value, description), ...]), ...]``:
    the schema's groups in order (fields the row lacks are left out, empty
    groups dropped), then ``"other"`` with every key outside the schema.

    >>> sections = detail_sections({"id": "gen-1", "total_cost": 0.002, "shoe_size": 42})
    >>> [(g, [r[:2] for r in rows]) for g, rows in sections]
    [('identity', [('id', 'gen-1')]), ('cost', [('total_cost', '$0.002')]), \
('other', [('shoe_size', '42')])]
    """
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []
    for group in schema.GROUPS:
        rows = [(name, format_value(name, row[name], now), schema.FIELDS[name].description)
                for name in schema.names(group) if name in row]
        if rows:
            sections.append((group, rows))
    other = [(str(k), format_other(v), "") for k, v in row.items() if k not in schema.FIELDS]
    if other:
        sections.append(("other", other))
    return sections


def _badges(statuses: Sequence[str]) -> str:
    return "".join(f'<span class="orgen-badge orgen-badge-{s.replace(" ", "-")}">{escape(s)}'
                   "</span>" for s in statuses)


def facts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headline's second line: ``[(css key, text), ...]`` for latency, generation
    time, tokens in and out, and how it finished (what a trace view leads with).

    >>> facts({"latency": 2837, "generation_time": 2943, "tokens_prompt": 591,
    ...        "tokens_completion": 12, "finish_reason": "stop"})  # doctest: +NORMALIZE_WHITESPACE
    [('latency', 'latency 2.84 s'), ('generation', 'generation 2.94 s'),
     ('tokens', 'tokens 591 in / 12 out'), ('finish', 'finish stop')]
    """
    def tokens(*names: str) -> Any:
        return next((row[n] for n in names if not is_na(row.get(n))), None)

    tokens_in = format_count(tokens("tokens_prompt", "native_tokens_prompt"))
    tokens_out = format_count(tokens("tokens_completion", "native_tokens_completion"))
    out = [("latency", f"latency {format_ms(row.get('latency'))}"),
           ("generation", f"generation {format_ms(row.get('generation_time'))}"),
           ("tokens", f"tokens {tokens_in} in / {tokens_out} out")]
    finish = row.get("finish_reason")
    if not is_na(finish):
        out.append(("finish", f"finish {finish}"))
    return out


def headline_html(row: Mapping[str, Any], *, paid: Any = None,
                  statuses: Sequence[str] = ()) -> str:
    """The headline, as a trace view leads: status badges, model, provider and cost paid
    on the first line; latency, generation time, tokens in/out and finish on the
    second; the id with a copy button and a link to OpenRouter on the third.

    ``paid`` defaults to ``total_cost``; when it differs (BYOK) the charged cost is
    shown beside it.

    >>> text = headline_html({"id": "gen-1", "total_cost": 0.00002, "latency": 1200},
    ...                      paid=0.00042, statuses=["ok", "fell back"])
    >>> "$0.00042" in text and "charged $0.00002" in text and "fell back" in text
    True
    >>> "latency 1.20 s" in text
    True
    """
    gid = str(row.get("id", EM_DASH))
    id_ = escape(gid)
    charged: Any = row.get("total_cost")
    paid = charged if is_na(paid) else paid
    extra = ""
    if not is_na(charged) and not is_na(paid) and float(paid) != float(charged):
        extra = (f' <span class="orgen-muted orgen-charged">(BYOK; charged '
                 f"{escape(format_usd(charged))})</span>")
    link = ACTIVITY_URL.format(id=quote(gid, safe=""))
    provider = row.get("provider_name")
    via = ("" if is_na(provider) else
           f'<span class="orgen-provider"><span class="orgen-muted">via</span> '
           f"{escape(provider)}</span>")
    line2 = "".join(f'<span class="orgen-fact-{key}">{escape(text)}</span>'
                    for key, text in facts(row))
    return (
        f'<div class="orgen-headline">{_badges(statuses)}'
        f'<b class="orgen-model">{escape(format_other(row.get("model")))}</b>{via}'
        f'<span><span class="orgen-muted">paid</span> <b class="orgen-cost">'
        f"{escape(format_usd(paid))}</b>{extra}</span></div>"
        f'<div class="orgen-facts">{line2}</div>'
        f'<div class="orgen-idline"><code class="orgen-id">{id_}</code>'
        f'<button class="orgen-copy" title="copy the id" data-id="{id_}" onclick="'
        "navigator.clipboard&amp;&amp;navigator.clipboard.writeText(this.dataset.id);"
        f"this.textContent='copied'\">copy id</button>"
        f'<a class="orgen-activity" href="{escape(link)}" target="_blank" '
        f'rel="noopener noreferrer">on OpenRouter</a></div>'
    )


def detail_html(row: Mapping[str, Any], now: Any = None, *, paid: Any = None,
                statuses: Sequence[str] = (), headline: bool = True) -> str:
    """HTML of the detail panel: a headline (:func:`headline_html`) and one table per group.

    Every value is HTML-escaped.  Cells carry CSS classes (``orgen-id``,
    ``orgen-cost``, ``orgen-group-<name>``) that the browser test finds.

    >>> text = detail_html({"id": "gen-<1>", "total_cost": 0.5, "model": "a/b"})
    >>> "gen-&lt;1&gt;" in text and "$0.50" in text
    True
    """
    parts = [headline_html(row, paid=paid, statuses=statuses) if headline else "",
             '<div class="orgen-groups">']
    for group, rows in detail_sections(row, now):
        body = "".join(
            f'<tr title="{escape(desc)}"><th>{escape(name)}</th>'
            f'<td class="orgen-field-{escape(name)}">{escape(value)}</td></tr>'
            for name, value, desc in rows
        )
        parts.append(
            f'<table class="orgen-group orgen-group-{group}"><caption>{GROUP_TITLES[group]}'
            f"</caption>{body}</table>"
        )
    parts.append("</div>")
    return "".join(parts)


def ranks_html(value: Mapping[str, Any], overall: Mapping[str, float | None],
               within: Mapping[str, float | None], *, counts: Mapping[str, tuple[int, int]],
               model: Any) -> str:
    """HTML table of percentile ranks: one row per :data:`RANK_METRICS` entry.

    ``value`` maps each metric key to this generation's value, ``overall`` and
    ``within`` to its percentile rank in the frame and within its model, and
    ``counts`` to how many values each rank is over (all, its model): the same
    n the chart shows in its title.

    >>> text = ranks_html({"effective_cost": 0.01}, {"effective_cost": 90.0},
    ...                   {"effective_cost": 50.0}, counts={"effective_cost": (10, 4)},
    ...                   model="a/b")
    >>> "90th of 10" in text and "50th of 4" in text
    True
    """
    fmts = {"effective_cost": format_usd, "latency": format_ms,
            "tokens_per_second": lambda v: EM_DASH if is_na(v) else f"{float(v):,.1f} tok/s"}

    def cell(rank: float | None, n: int | None) -> str:
        return f"<td>{ordinal(rank)}" + ("" if n is None else f" of {n:,}") + "</td>"

    rows = "".join(
        f'<tr class="orgen-rank-{key}"><th>{label}</th>'
        f"<td>{escape(fmts[key](value.get(key)))}</td>"
        + cell(overall.get(key), counts.get(key, (None, None))[0])
        + cell(within.get(key), counts.get(key, (None, None))[1]) + "</tr>"
        for key, label in RANK_METRICS
    )
    return (
        '<table class="orgen-ranks"><caption>Where it stands: percentile rank (share at or '
        "below)</caption><tr><th></th><th>value</th><th>among all</th>"
        f'<th title="{escape(format_other(model))}">in its model</th></tr>'
        f"{rows}</table>"
    )
