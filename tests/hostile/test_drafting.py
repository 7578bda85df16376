"""Issue 18: ``scenarios draft`` on hostile texts.

Every text either drafts into a file that loads back equal, whose every quote is a part
of the text, in bounded time (no assertion on the clock: the inputs are sized so that a
quadratic blow-up would time the test run out), or is refused with a ScenarioError
naming what is wrong. Counted with ``tally``.
"""

from __future__ import annotations

import pytest

from scenarios.drafting import draft_yaml
from scenarios.drafting.build import MAX_REPORT_CHARS
from scenarios.errors import ScenarioError
from scenarios.io import loads
from tests.conftest import tally
from tests.drafting.recall import quotes

DRAFTED = {
    "empty": "",
    "only spaces and breaks": " \n\n\t \r\n",
    "no punctuation": "troops crossed the river and officials said nothing " * 50,
    "a long run of capitalised words": " ".join(["Alpha"] * 3000) + " said it.",
    "names joined by of": " of ".join(["Alpha"] * 3000) + " said it.",
    "two thousand numbers": " ".join(["12,345"] * 2000) + " troops.",
    "asides in a chain": "X" + ", which y" * 2000 + " said.",
    "one word of 200,000 letters": "a" * 200_000,
    "right-to-left and emoji": "مرحبا 🙂 Officials said 5 tanks moved. 東京 reportedly 3 ships.",
    "quotes and apostrophes": "“It’s over,” said O’Neil. 'It isn't,' said the BBC's editor.",
    "YAML-looking text": "title: x\nfacts: {a: b}\n- id: c\n  text: &a *a !!python/object\n",
    "numbers that are not quantities": "On June 23, 2023 at 07:30, in 2023, the 2nd of 3:1.",
    "a number of magnitude 1e15": "The debt is 1,000,000,000,000,000 dollars.",
    "a zero": "Officials said 0 people died.",
    "a denial with nothing before it": "The ministry denied the claims.",
    "the same sentence 300 times": "Officials said the bridge collapsed. " * 300,
}
REFUSED = {
    "a NUL byte": ("report\x00", "U+0000"),
    "an escape character": ("\x1b[31mred\x1b[0m", "U+001B"),
    "too long": ("word " * (MAX_REPORT_CHARS // 5 + 1), "characters; the drafter reads at most"),
}


@pytest.mark.parametrize("name", list(DRAFTED))
def test_hostile_text_drafts_into_a_valid_file_of_verbatim_quotes(name: str) -> None:
    text = DRAFTED[name]
    scenario = loads(draft_yaml(text))
    absent = [q for q in quotes(scenario) if q not in text]
    assert absent == [], absent
    tally("drafting: hostile texts", 1, {"drafted": 1})


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_text_is_refused_with_a_reason(name: str) -> None:
    text, why = REFUSED[name]
    with pytest.raises(ScenarioError, match=r"(?s)report\.txt: .*" + why.replace("+", r"\+")):
        draft_yaml(text, file="report.txt")
    tally("drafting: hostile texts", 1, {"refused": 1})
