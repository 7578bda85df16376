"""``scenarios draft``: quotes are verbatim, drafts validate, rules find what they should."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.drafting import draft, draft_yaml
from scenarios.drafting.numbers import numbers
from scenarios.drafting.rules import attributions, denial, hedges
from scenarios.drafting.times import moments
from scenarios.errors import ScenarioError
from scenarios.io import loads
from scenarios.spec.drafts import undecided
from tests.drafting.recall import key_recall, quotes, texts, wagner_recall

WAGNER = Path(__file__).parent / "corpus" / "wagner-report-2023-06-23.txt"


@pytest.mark.parametrize("path", texts(), ids=lambda p: p.stem)
def test_every_quote_is_in_the_report_and_the_draft_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    yaml_text = draft_yaml(text, file=path.name)
    scenario = loads(yaml_text)  # validates
    assert scenario == draft(text, file=path.name)
    found = quotes(scenario)
    assert found, "no quote at all"
    absent = [q for q in found if q not in text]
    assert absent == [], f"precision of quotes below 100%: {absent}"
    # every item is a draft, and validate has something to list for each
    marked = undecided(scenario)
    items = len(scenario.sources) + len(scenario.facts) + len(scenario.outcomes)
    assert len(marked) == items + len(scenario.claims)
    assert all(c.draft is not None and c.draft.rules for c in scenario.claims)
    assert all(f.draft is not None and f.draft.rules for f in scenario.facts.values())


def test_wagner_recall_of_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    scores = wagner_recall()
    with capsys.disabled():
        print("\nscenarios draft on the Wagner report, recall of the shipped file:")
        for kind, score in scores.items():
            print(f"  {kind:14} {score}  missed: {score.missed}")
    for kind in ("hedges", "ranges", "denials", "sources"):
        assert scores[kind].total > 0
        assert scores[kind].recall == 1.0, (kind, scores[kind].missed)
    # who said each claim: two are the analyst's reading ("said to" is Prigozhin's figure)
    assert scores["claim sources"].found >= 14


#: Least recall per kind of finding over the corpus (measured: numbers 9/10, hedges 19/19,
#: denials 3/3).
FLOORS = {"numbers": 0.8, "hedges": 0.9, "denials": 1.0}


def test_recall_against_the_hand_made_keys(capsys: pytest.CaptureFixture[str]) -> None:
    totals = {k: [0, 0] for k in ("numbers", "units", "hedges", "denials")}
    lines = []
    for path in texts():
        scores = key_recall(path)
        lines.append(f"  {path.stem:40} " + "  ".join(f"{k} {v}" for k, v in scores.items()))
        for k, v in scores.items():
            totals[k][0] += v.found
            totals[k][1] += v.total
    with capsys.disabled():
        print("\nscenarios draft, recall against the hand-made keys:")
        print("\n".join(lines))
        print("  all: " + "  ".join(f"{k} {f}/{t}" for k, (f, t) in totals.items()))
    for kind, floor in FLOORS.items():
        found, total = totals[kind]
        assert total >= 3
        assert found / total >= floor, (kind, found, total)


# --- the rules, one by one ------------------------------------------------------------------


def test_hedges_map_to_the_format_table() -> None:
    quote = "The convoy, purportedly Wagner's, was reportedly hit; this is unconfirmed."
    assert [h.rule for h in hedges(quote)] == [
        "hedge:allegedly",
        "hedge:reportedly",
        "hedge:unconfirmed",
    ]
    assert hedges("Troops crossed the river.") == []


def test_attributions_name_the_speaker() -> None:
    found = attributions("Prigozhin's Telegram channel said the column had stopped.")
    assert [a.who for a in found][:1] == ["Prigozhin"]
    assert [a.who for a in attributions("Some reports say he left.")] == [None]
    assert [a.who for a in attributions("State media said the talks failed.")][:1] == [
        "State media"
    ]


def test_a_denial_becomes_a_report_of_the_denier_on_the_claim_it_answers() -> None:
    text = (
        "Kyiv, 3 March 2022\n"
        "Rebels reportedly seized the dam on Tuesday.\n"
        "Local officials said the harvest was good.\n"
        "The Defence Ministry denied that rebels seized the dam."
    )
    s = draft(text)
    dam = next(c for c in s.claims if "dam" in c.text and c.denied_by)
    assert dam.status == "denied"
    assert s.sources[dam.denied_by[0].source].name == "Defence Ministry"
    assert not any("harvest" in c.text and c.denied_by for c in s.claims)
    assert d_ok(denial("The Defence Ministry denied that rebels seized the dam."))


def d_ok(found: object) -> bool:
    return found is not None


def test_numbers_ranges_and_bounds() -> None:
    found = numbers("Between 25,000 and 50,000 troops, more than 150 ships and about 96 hours.")
    assert [(n.rule, n.low, n.high, n.unit) for n in found] == [
        ("number:range", 25000, 50000, "troops"),
        ("number:lower_bound", 150, 150, "ships"),
        ("number:approximate", 96, 96, "hours"),
    ]
    # dates, years, clock times and footnote marks are not numbers of the world
    assert numbers("On June 23, 2023 at 07:30 the mutiny1. began in 2023.") == []


def test_times_are_resolved_against_the_report_date() -> None:
    found = moments("On Saturday at 07:30 Moscow time the column left.", date(2023, 6, 26))
    assert [m.at for m in found] == [
        datetime(2023, 6, 24, tzinfo=UTC),
        datetime(2023, 6, 24, 4, 30, tzinfo=UTC),
    ]
    s = draft("Live\nJune 24, 2023\nAt 07:30 Moscow time, Wagner said its column had left.")
    assert s.claims[0].time == datetime(2023, 6, 24, 4, 30, tzinfo=UTC)
    assert any("time:clock" in r for r in s.claims[0].draft.rules)


def test_repeated_mentions_are_merged_with_every_citation_kept() -> None:
    text = (
        "Update\nMay 2, 2024\n"
        "Officials said the bridge over the river collapsed overnight.\n"
        "Later, police said the bridge over the river collapsed overnight.\n"
        "Officials said 12 people died. Police said 12 people died."
    )
    s = draft(text)
    bridge = [c for c in s.claims if "bridge" in c.text]
    assert len(bridge) == 2 and bridge[1].via == bridge[0].id
    assert bridge[1].proposition == bridge[0].proposition
    assert {c.cites for c in bridge} == {
        "Officials said the bridge over the river collapsed overnight.",
        "Later, police said the bridge over the river collapsed overnight.",
    }
    died = [c for c in s.claims if c.reported is not None]
    assert len(died) == 2 and died[1].via == died[0].id


def test_nothing_to_draft_still_validates() -> None:
    for text in ("", "   \n\n", "Is it over?", "###"):
        s = loads(draft_yaml(text))
        assert s.claims == () and len(s.facts) == 1


def test_a_binary_file_is_refused_with_where() -> None:
    with pytest.raises(ScenarioError, match=r"(?s)report.bin: .*U\+0000 at character 2"):
        draft("ab\x00cd", file="report.bin")


# --- the command line -----------------------------------------------------------------------


def test_cli_draft_writes_once_and_validate_lists_what_to_decide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "wagner.txt"
    report.write_text(WAGNER.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["draft", str(report)]) == 0
    out = tmp_path / "wagner.yaml"
    written = out.read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out
    assert main(["draft", str(report)]) == 1  # never overwritten
    assert "not overwritten" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == written
    assert main(["draft", str(report), "--overwrite", "--published", "2023-06-23T21:00Z"]) == 0
    assert "as_of: '2023-06-23T21:00:00Z'" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "46 items still marked draft (5 sources, 20 facts, 1 outcomes, 20 claims)" in shown
    assert "sources.prigozhin: the grade" in shown
    assert main(["draft", str(tmp_path / "missing.txt")]) == 1


def test_cli_draft_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draft", str(WAGNER), "-o", "-"]) == 0
    assert loads(capsys.readouterr().out).claims


def test_cli_draft_rejects_a_bad_date() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["draft", str(WAGNER), "--published", "yesterday"])
    assert exc.value.code == 2


def test_a_live_blog_time_stamp_dates_the_entries_below_it() -> None:
    text = (
        "Live: mutiny in Russia\nJune 24, 2023\n09:05 GMT\n"
        "Wagner says its column has reached Voronezh.\n"
        "10:40 Moscow time\nThe governor said 3 buildings burned.\n"
    )
    s = draft(text)
    times = {c.id: c.time for c in s.claims}
    assert list(times.values()) == [
        datetime(2023, 6, 24, 9, 5, tzinfo=UTC),
        datetime(2023, 6, 24, 7, 40, tzinfo=UTC),
        datetime(2023, 6, 24, 7, 40, tzinfo=UTC),
    ]
    assert s.sources[s.claims[0].source].name == "Wagner"
    assert s.as_of == datetime(2023, 6, 24, 23, 59, 59, tzinfo=UTC)


def test_a_quotation_is_one_claim_of_its_speaker() -> None:
    text = (
        "Talks\nMay 3, 2024\n"
        "“We are concerned, but it is rumor with no verification. It may change,” "
        "said Hani al-Qawasmi, the minister. “Nothing else,” said Qawasmi."
    )
    s = draft(text)
    first = s.claims[0]
    assert first.text.startswith("“We are concerned, but it is rumor")
    assert first.text.endswith("said Hani al-Qawasmi, the minister.")
    assert first.hedge == "rumoured"
    assert {c.source for c in s.claims} == {"hani_al_qawasmi"}  # one speaker, one source
