"""One colour per value, stable across plots; no grey but "other"; no clashes in one plot."""

from __future__ import annotations

import subprocess
import sys

import pytest
from matplotlib.colors import to_rgb

from openrouter_frame.analysis import colors
from openrouter_frame.analysis.colors import OTHER_COLOR, PALETTE, ColorMap, color_for


def test_palette_has_no_grey_and_no_duplicates():
    assert len(set(PALETTE)) == len(PALETTE) >= 12
    for c in PALETTE:
        r, g, b = to_rgb(c)
        assert max(r, g, b) - min(r, g, b) > 0.15, c  # chromatic: grey is for "other"


def test_distinct_values_get_distinct_colours_until_the_palette_runs_out():
    cmap = ColorMap()
    names = [f"vendor/model-{i}" for i in range(len(PALETTE))]
    given = [cmap(n) for n in names]
    assert len(set(given)) == len(PALETTE)
    assert cmap("one-more") in PALETTE  # shared from here on, never an error
    assert [cmap(n) for n in reversed(names)] == given[::-1]  # kept once given


def test_other_is_grey_and_tuples_are_labels():
    cmap = ColorMap()
    assert cmap("other") == OTHER_COLOR
    assert cmap(("OpenAI", "chat")) == cmap("OpenAI / chat")


def test_same_first_choice_in_a_fresh_process():
    """The hash is BLAKE2 of the text, not Python's salted hash(): sessions agree."""
    code = ("from openrouter_frame.analysis.colors import color_for\n"
            "print(color_for('openai/gpt-4o'), color_for('anthropic/claude-3.5-sonnet'))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1


@pytest.mark.parametrize("value", ["openai/gpt-4o", "<NA>", ("a", "b")],
                         ids=["model", "na", "tuple"])
def test_module_function_is_the_shared_map(value):
    assert color_for(value) == colors.DEFAULT(value) == colors.colors_for([value])[0]
