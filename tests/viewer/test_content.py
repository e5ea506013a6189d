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


def test_a_stored_failure_reads_as_its_message_first_and_keeps_the_json():
    """Issue 21: a failed row's error was raw escaped JSON."""
    import json

    from openrouter_frame.viewer.content import error_message

    error = json.dumps({"status": 502, "message": "Provider returned error",
                        "provider_name": "OpenAI",
                        "raw": json.dumps({"error": {"code": 502,
                                                     "message": "upstream connect error"}}),
                        "previous_errors": [{"status": 429}]})
    text = content_html({"messages": [{"role": "user", "content": "hi"}], "completion": "",
                         "error": error, "stored": True})
    message = "502 from OpenAI: Provider returned error: upstream connect error " \
              "(after 1 earlier error)"
    assert error_message(error) == message
    assert text.index(message) < text.index("hi")  # what went wrong comes first
    assert '<summary>as stored</summary>' in text and "upstream connect error" in text
    assert "&quot;previous_errors&quot;" in text  # the JSON is kept, collapsed


@pytest.mark.parametrize(("n", "shown"), [(6, 6), (7, 4), (12, 4)],
                         ids=["six", "seven", "twelve"])
def test_a_long_conversation_folds_its_middle(n, shown):
    """Issue 21: 12 messages made a 3,465 px tall panel."""
    messages = [{"role": "user", "content": f"message {i}"} for i in range(n)]
    text = content_html({"messages": messages, "completion": "ok", "stored": True})
    folded = text.split('<details class="orgen-more">')
    outside = folded[0] + (folded[1].split("</details>", 1)[1] if len(folded) > 1 else "")
    assert sum(f"message {i}<" in outside for i in range(n)) == shown
    assert all(f"message {i}<" in text for i in range(n))  # nothing dropped
    if n > 6:
        assert f"<summary>{n - 4} more messages</summary>" in text
        assert "message 0<" in outside and f"message {n - 1}<" in outside
