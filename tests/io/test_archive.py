"""The forecast archive: linked to the priors file, never overwritten, read back validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scenarios
from scenarios.errors import ScenarioError
from scenarios.io import archive_forecast, load_archive, load_resolution
from scenarios.io.archive import FORECAST_FORMAT, read_forecast
from scenarios.io.data import resolution_for
from scenarios.io.files import sha256_file, umask
from scenarios.posterior import scenario_hash


@pytest.fixture(scope="module")
def wagner() -> scenarios.Posterior:
    return scenarios.load(scenarios.default_priors()).update(intervals=False)


def test_archive_links_the_priors_file_and_hash(
    tmp_path: Path, wagner: scenarios.Posterior
) -> None:
    priors = scenarios.default_priors()
    path = archive_forecast(wagner, priors, tmp_path / "archive")
    assert path.parent == tmp_path / "archive" and path.name.startswith("forecast-")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["format"] == FORECAST_FORMAT
    assert record["priors"] == str(priors)
    assert record["priors_sha256"] == sha256_file(priors)
    assert record["scenario_sha256"] == scenario_hash(wagner.scenario)
    assert (record["engine"], record["seed"]) == ("exact", wagner.seed)
    assert record["title"] == wagner.scenario.title
    assert len(record["forecast"]) == len(wagner.scenarios)
    first = record["forecast"][0]
    (outcome, state), row = next(iter(wagner.scenarios.iterrows()))
    assert (first["outcome"], first["state"]) == (outcome, state)
    assert first["probability"] == row["probability"]


def test_archives_never_overwrite(tmp_path: Path, wagner: scenarios.Posterior) -> None:
    paths = [archive_forecast(wagner, None, tmp_path) for _ in range(3)]
    assert len(set(paths)) == 3
    before = {p: p.read_bytes() for p in paths}
    # a file already in the archive is never touched, even under a name we would pick
    taken = tmp_path / paths[0].name.replace("-1.json", "-2.json")
    if not taken.exists():
        taken.write_text("someone else's", encoding="utf-8")
    again = archive_forecast(wagner, None, tmp_path)
    assert again not in before and again != taken
    assert {p: p.read_bytes() for p in paths} == before
    assert json.loads(again.read_text(encoding="utf-8"))["priors"] is None


def test_archived_files_get_normal_permissions(tmp_path: Path, wagner: scenarios.Posterior) -> None:
    path = archive_forecast(wagner, None, tmp_path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_load_archive_with_resolutions(tmp_path: Path, wagner: scenarios.Posterior) -> None:
    priors = scenarios.default_priors()
    archive_forecast(wagner, priors, tmp_path)
    archive_forecast(wagner, priors, tmp_path)
    resolution = load_resolution(resolution_for(priors))
    rows = load_archive(tmp_path, [resolution])
    assert len(rows) == 2 * len(wagner.scenarios)
    assert list(rows.columns[:4]) == ["file", "priors", "priors_sha256", "title"]
    resolved = rows[rows["outcome"].isin(resolution.outcomes)]
    want = [
        resolution.outcomes[o] == s for o, s in zip(resolved.outcome, resolved.state, strict=True)
    ]
    assert resolved["happened"].tolist() == want
    assert sum(want) == 2 * len(resolution.outcomes)  # one resolved state per outcome
    assert rows.loc[~rows["outcome"].isin(resolution.outcomes), "happened"].isna().all()
    # without resolutions there is nothing to say what happened
    assert "happened" not in load_archive(tmp_path).columns


def test_an_older_record_without_a_format_tag_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "forecast-old-1.json"
    row = {"outcome": "o", "state": "true", "probability": 0.6, "lower": 0.5, "upper": 0.7}
    path.write_text(json.dumps({"title": "t", "priors": None, "forecast": [row]}))
    assert load_archive(tmp_path).to_dict("records") == [
        {"file": path.name, "priors": None, "priors_sha256": None, "title": "t", **row}
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "t", "forecast": [', "line 1, column 29: not valid JSON"),
        ('{"title": "t", "forecast": [{"outcome": "o"}]}', "forecast.0.state: Field required"),
        (
            '{"title": "t", "forecast": [], "probability": 1}',
            "probability: Extra inputs are not permitted",
        ),
        ('{"forecast": []}', "title: Field required"),
        ("[1, 2]", "expected a mapping with title and forecast, got list"),
        ('{"title": "t", "forecast": [], "seed": "x"}', "seed: Input should be a valid integer"),
    ],
)
def test_a_bad_archived_file_is_named_with_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "forecast-bad-1.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_archive(tmp_path)
    assert info.value.file == str(path)
    assert any(message in m for m in info.value.messages), info.value.messages
    with pytest.raises(ScenarioError):
        read_forecast(path)
