"""kyoso.classic and kyoso.experiment give the command line's tables and verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import kyoso
from kyoso import classic
from conftest import files_of


def read(folder: Path, name: str):
    return pq.read_table(folder / f"{name}.parquet")


def test_strategies_and_match(cli):
    names = [s["name"] for s in classic.strategies()]
    assert "tit-for-tat" in names and "defector" in names
    m = classic.match("tit-for-tat", "defector", turns=5, noise=0.1, seed=3)
    p = cli("match", "tit-for-tat", "defector", "--turns", "5", "--noise", "0.1", "--seed", "3", "--json")
    assert m == json.loads(p.stdout)
    with pytest.raises(kyoso.ScenarioError) as info:
        classic.match("tit-for-tatt", "defector")
    assert info.value.suggestion == "tit-for-tat"
    with pytest.raises(kyoso.ScenarioError):
        classic.match("tit-for-tat", "defector", game=(1, 2, 3, 4))


def test_tournament_equals_kyoso_tournament(tmp_path, cli):
    players = ["tit-for-tat", "defector", "cooperator", "grudger"]
    t = classic.tournament(players, turns=50, repetitions=3, seed=2, ecological=True, generations=10)
    cli("tournament", "--players", ",".join(players), "--turns", "50", "--repetitions", "3", "--seed", "2",
        "--ecological", "--generations", "10", "--out", str(tmp_path))
    for name in ("matches", "payoff_matrix", "ecology"):
        assert t.tables[name].equals(read(tmp_path, name)), name
    assert t.summary["ranking"] == json.loads((tmp_path / "summary.json").read_text())["headline"]["ranking"]
    assert t.ranking.column("player").to_pylist() == t.summary["ranking"]
    with pytest.raises(kyoso.ScenarioError) as info:
        classic.tournament(players, turns=0)
    assert "turns" in str(info.value)
    with pytest.raises(AttributeError):
        t.no_such_table


def test_tournament_preset_and_unknown_key():
    t = classic.tournament(preset="classic", turns=20, repetitions=1)
    assert t.ranking.num_rows == len(t.summary["settings"]["players"].split(","))
    with pytest.raises(kyoso.ScenarioError) as info:
        classic.tournament(preset="classic", turnz=20)
    assert info.value.suggestion == "turns"


def test_moran_equals_kyoso_moran(tmp_path, cli):
    m = classic.moran({"tit-for-tat": 3, "defector": 3}, turns=20, seed=1)
    p = cli("moran", "--population", "tit-for-tat=3,defector=3", "--turns", "20", "--seed", "1", "--json",
            "--out", str(tmp_path))
    assert m.populations.equals(read(tmp_path, "populations"))
    cli_summary = json.loads(p.stdout)
    for k in ("steps", "fixated", "strategies", "final_counts"):
        assert m.summary[k] == cli_summary[k], k


def test_spatial_pd_equals_kyoso_spatial_pd(tmp_path, cli):
    sp = classic.spatial_pd(size=30, b=1.9, steps=20, seed=3)
    cli("spatial-pd", "--size", "30", "--b", "1.9", "--steps", "20", "--seed", "3", "--out", str(tmp_path))
    assert sp.steps.equals(read(tmp_path, "steps"))
    headline = json.loads((tmp_path / "summary.json").read_text())["headline"]
    assert sp.summary["cooperator_fraction"] == headline["cooperator_fraction"]
    assert len(sp.lattice) == 30 and all(len(r) == 30 for r in sp.lattice)
    cooperators = sum(map(sum, sp.lattice)) / 900
    assert cooperators == pytest.approx(sp.summary["cooperator_fraction_final"])
    with pytest.raises(kyoso.ScenarioError) as info:
        classic.spatial_pd(size=1)
    assert (info.value.key, info.value.value) == ("size", "1")
    with pytest.raises(kyoso.ScenarioError) as info:
        classic.spatial_pd(siz=30)
    assert info.value.suggestion == "size"


def test_ethnocentrism_equals_kyoso_ethnocentrism(tmp_path, cli):
    e = classic.ethnocentrism(size=20, periods=50, seed=1)
    cli("ethnocentrism", "--size", "20", "--periods", "50", "--seed", "1", "--out", str(tmp_path))
    assert e.periods.equals(read(tmp_path, "periods"))
    headline = json.loads((tmp_path / "summary.json").read_text())["headline"]
    assert e.summary["ethnocentric_share"] == headline["ethnocentric_share"]
    assert len(e.lattice) == 20


def test_experiment_equals_kyoso_experiment(tmp_path, cli):
    names = [e["name"] for e in kyoso.experiments()]
    assert "veneer" in names and "illusion" in names
    r = kyoso.experiment("veneer", reps=3, ticks=24, seed=5, out=tmp_path / "py", jobs=2)
    cli("experiment", "run", "veneer", "--reps", "3", "--ticks", "24", "--seed", "5", "--jobs", "1", "--quiet",
        "--out", str(tmp_path / "cli"))
    py, rust = files_of(tmp_path / "py"), files_of(tmp_path / "cli")
    assert sorted(py) == sorted(rust)
    for name in ("verdicts.json", "report.md"):
        assert py[name] == rust[name], name
    assert r.path == tmp_path / "py"
    assert r.tests.num_rows == len(r.verdicts["verdicts"])
    assert set(r.tests.column("verdict").to_pylist()) <= {"supported", "not supported", "mixed", "no data"}
    assert r.report.startswith("#") and r._repr_markdown_() == r.report


def test_experiment_in_a_temporary_folder_and_bad_input(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = kyoso.experiment("veneer", reps=2, ticks=12, controls=False)
    assert r.path is None and r.tests.num_rows > 0
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.experiment("venner", reps=2, ticks=12)
    assert "veneer" in str(info.value)
    with pytest.raises(kyoso.ScenarioError):
        kyoso.experiment("veneer", reps=2, ticks=12, set={"encounters.detect": 3.0})
    assert list(tmp_path.iterdir()) == []
