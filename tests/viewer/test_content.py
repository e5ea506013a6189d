"""The conversation panel's HTML: messages, prompt, completion, reasoning, states."""

from __future__ import annotations

import pytest

from openrouter_frame.viewer.content import NO_KEY, NOT_STORED, content_html, state_html


def test_messages_in_order_with_roles_then_reasoning_then_completion():
    text = content_html({"messages": [{"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": "2+2?"}],
                         "completion": "4", "reasoning": "Add them.", "stored": True})
    order = [text.index(s) for s in ("Be brief.", "2+2?", "Add them.", ">4<")]
    assert order == sorted(order)
    assert '<details class="orgen-reasoning"><summary>reasoning (9 characters)' in text
    assert "orgen-role-system" in text and "orgen-completion" in text


@pytest.mark.parametrize("row", [
    {"stored": False}, {"stored": False, "messages": None, "completion": None}],
    ids=["flag-only", "null-fields"])
def test_zero_retention_is_one_clear_state(row):
    text = content_html(row)
    assert NOT_STORED in text and "orgen-completion" not in text


def test_prompt_input_and_missing_completion():
    text = content_html({"prompt": "<embed me>", "completion": None, "stored": True})
    assert "&lt;embed me&gt;" in text and "No completion stored." in text


def test_states_escape_their_message():
    assert "orgen-content-no-key" in state_html(NO_KEY, "no-key")
    assert "&lt;x&gt;" in state_html("<x>", "failed")
