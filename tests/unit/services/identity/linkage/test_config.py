"""config/linkage.yaml: the shipped file reads back as written, and a wrong parameter is
refused with the key that is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.errors import ConfigurationError
from app.services.identity.linkage import LinkageConfigError, LinkageModel
from app.services.identity.linkage.config import TermFrequency, UEstimation, parse_config
from bench.linkage.config_text import render

Raw = dict[str, Any]


@pytest.fixture
def raw(shipped: Path) -> Raw:
    """The shipped file as YAML reads it, for a test to change."""
    found: Raw = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    return found


def test_the_shipped_file_reads_back_as_it_was_written(model: LinkageModel, raw: Raw) -> None:
    assert model.threshold == raw["threshold"]
    assert parse_config(yaml.safe_load(render(model.config, "p", "t"))) == model.config


def _set(path: str, value: Any) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        *parents, last = path.split("/")
        node: Any = raw
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _without_last_level(field: str) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        raw["comparisons"][field]["levels"].pop()

    return change


def _drop(path: str) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        *parents, last = path.split("/")
        node: Any = raw
        for key in parents:
            node = node[key]
        del node[last]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("version", 2), "version: expected 1, got 2"),
        (_set("version", "1"), "version: expected 1, got '1'"),
        (_set("threshold", 1.5), "threshold: expected a number in (0, 1), got 1.5"),
        (_set("threshold", "high"), "threshold: expected a number in (0, 1), got 'high'"),
        (_drop("prior"), "prior: missing"),
        (_set("colour", "blue"), "colour: unknown key"),
        (_set("prior/min_population", 0), "prior.min_population: expected a whole number"),
        (
            _set("comparisons/first_name/levels/0/m", "often"),
            "comparisons.first_name.levels[0].m: expected a number in (0, 1]",
        ),
        (
            _set("comparisons/last_name/levels/0/u", 0),
            "comparisons.last_name.levels[0].u: expected a number in (0, 1]",
        ),
        (
            _set("comparisons/shoe_size", {"levels": []}),
            "comparisons.shoe_size: unknown field",
        ),
        (
            _set("comparisons/city/levels/2/level", "far"),
            "comparisons.city.levels[2]: level far needs either at_least",
        ),
        (
            _set("comparisons/last_name/levels/0/level", "nickname"),
            "comparisons.last_name.levels[0].level: nickname applies to first_name only",
        ),
        (
            _without_last_level("address"),
            "comparisons.address.levels: the last level must be different",
        ),
        (
            _set("comparisons/address/levels/2/at_least", 0.95),
            "comparisons.address.levels: at_least must decrease from level to level",
        ),
        (
            _set("comparisons/address/similarity", "soundex"),
            "comparisons.address.similarity: expected one of jarowinkler",
        ),
        (
            _set("blocking/rules/0", {"agree_on": ["shoe_size"]}),
            "blocking.rules[0].agree_on: unknown key 'shoe_size'",
        ),
        (
            _set("blocking/rules/0", {"sorted_on": "full_name", "window": 4}),
            "blocking.rules[0].window: expected an odd number, got 4",
        ),
        (_set("blocking/rules", []), "blocking.rules: expected a list of at least one rule"),
        (
            _set("groups/household", ["last_name", "shoe_size"]),
            "groups.household: 'shoe_size' is not a compared field",
        ),
    ],
)
def test_a_wrong_parameter_names_its_key(
    raw: Raw, change: Callable[[Raw], None], message: str
) -> None:
    change(raw)
    with pytest.raises(LinkageConfigError) as caught:
        parse_config(raw)
    assert message in str(caught.value)


def test_left_out_keys_read_as_training_writes_them(raw: Raw) -> None:
    for path in (
        "version",
        "prior/min_population",
        "blocking/max_block_size",
        "u_estimation",
        "term_frequency",
    ):
        _drop(path)(raw)
    config = parse_config(raw)
    assert config.prior.min_population == 1000
    assert config.max_block_size == 500
    assert config.u_estimation == UEstimation(
        min_records=1000, sample_pairs=100_000, min_pairs_per_level=20, seed=1
    )
    assert config.term_frequency == TermFrequency(min_records=1000, minimum_u=0.0001)


def test_an_unknown_version_is_refused_naming_the_file(raw: Raw, tmp_path: Path) -> None:
    raw["version"] = 2
    path = tmp_path / "linkage.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        LinkageModel.load(path)
    assert str(caught.value) == f"{path}: version: expected 1, got 2"


def test_loading_a_wrong_file_names_the_file_and_the_key(raw: Raw, tmp_path: Path) -> None:
    raw["u_estimation"]["sample_pairs"] = -5
    path = tmp_path / "linkage.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        LinkageModel.load(path)
    assert str(caught.value) == (
        f"{path}: u_estimation.sample_pairs: expected a whole number of at least 1, got -5"
    )


def test_an_unreadable_or_broken_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        LinkageModel.load(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("threshold: [0.9\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not YAML"):
        LinkageModel.load(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="expected a mapping"):
        LinkageModel.load(empty)
