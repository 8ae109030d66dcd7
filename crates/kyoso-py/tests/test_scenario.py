"""Scenarios from Python resolve, validate and fail exactly as the command line's."""

from __future__ import annotations

from pathlib import Path

import pytest

import kyoso


def test_default_and_presets():
    s = kyoso.Scenario.default()
    assert s.seed == 42 and s.ticks == 120
    assert s.source == "default"
    assert s.command_line == []
    assert set(kyoso.Scenario.presets()) >= {"china", "southeast-asia", "us-west-coast"}
    china = kyoso.Scenario.preset("china")
    assert china != s
    assert china.command_line == ["--preset", "china"]
    assert "china" in repr(china)


def test_set_returns_a_new_scenario():
    s = kyoso.Scenario.default()
    t = s.set("encounters.detect", 0.6)
    assert s.get("encounters.detect") != 0.6
    assert t.get("encounters.detect") == 0.6
    assert t.command_line == ["--set", "encounters.detect=0.6"]
    assert t.with_seed(7).seed == 7 and t.with_ticks(12).ticks == 12
    assert t.with_seed(7).get("encounters.detect") == 0.6
    # bools, ints and lists are written as the command line takes them
    assert s.set("run.ticks", 24).ticks == 24


def test_to_toml_round_trips_and_to_dict(tmp_path: Path):
    s = kyoso.Scenario.preset("china").set("encounters.detect", 0.3).with_seed(11)
    text = s.to_toml()
    assert kyoso.Scenario.from_toml(text) == s
    path = tmp_path / "s.toml"
    path.write_text(text)
    assert kyoso.Scenario.from_toml(path) == s
    assert kyoso.Scenario.from_toml(str(path)) == s
    d = s.to_dict()
    assert d["encounters"]["detect"] == 0.3
    assert d["run"]["seed"] == 11
    assert s.get("run.seed") == 11
    with pytest.raises(KeyError):
        s.get("encounters.nope")


def test_seed_range_is_the_full_u64():
    big = 2**64 - 1
    assert kyoso.Scenario.default().with_seed(big).seed == big
    with pytest.raises(OverflowError):
        kyoso.Scenario.default().with_seed(2**64)


def test_out_of_range_value_names_key_value_allowed(cli):
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.Scenario.default().set("encounters.detect", 1.5)
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.key, e.value, e.allowed) == ("encounters.detect", "1.5", "[0, 1]")
    assert e.violations == [("encounters.detect", "1.5", "[0, 1]")]
    p = cli("run", "--set", "encounters.detect=1.5", "--out", "/nonexistent/never", check=False)
    assert p.returncode == 2
    assert p.stderr.strip() == f"error: {e}"


def test_unknown_key_suggests_the_nearest(cli):
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.Scenario.default().set("encounters.detekt", 0.5)
    e = info.value
    assert e.key == "encounters.detekt"
    assert e.suggestion == "encounters.detect"
    assert "did you mean `encounters.detect`" in str(e)
    p = cli("run", "--set", "encounters.detekt=0.5", "--out", "/nonexistent/never", check=False)
    assert p.returncode == 2 and p.stderr.strip() == f"error: {e}"


def test_unknown_preset_lists_the_available():
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.Scenario.preset("chna")
    e = info.value
    assert e.key == "preset" and e.value == "chna" and e.suggestion == "china"
    assert "china" in e.allowed


def test_bad_toml_and_missing_file(tmp_path: Path):
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.Scenario.from_toml("[encounters]\ndetect = = 2\n")
    assert info.value.key is None
    bad = tmp_path / "bad.toml"
    bad.write_text("[encounters]\ndetect = 7.0\n")
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.Scenario.from_toml(bad)
    assert info.value.key == "encounters.detect" and info.value.value == "7"
    assert str(bad) in str(info.value)
    with pytest.raises(kyoso.ScenarioError):
        kyoso.Scenario.from_toml(tmp_path / "missing.toml")


def test_schedule(cli, tmp_path):
    s = kyoso.Scenario.default().at(6, "encounters.detect", 0.9).with_ticks(12)
    assert s.command_line == ["--at", "6:encounters.detect=0.9", "--ticks", "12"]
    with pytest.raises(kyoso.ScenarioError):
        kyoso.Scenario.default().at(6, "encounters.detect", 9.0)
    assert "6" in s.to_toml() and "schedule" in s.to_toml()


def test_values_that_are_not_scenario_values():
    with pytest.raises(ValueError):
        kyoso.Scenario.default().set("encounters.detect", object())
