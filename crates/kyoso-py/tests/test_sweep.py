"""Sweeps from Python are `kyoso sweep`: the same runner, seeds and files."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import pyarrow as pa
import pytest

import kyoso
from conftest import files_of

VARY = {"encounters.detect": [0.1, 0.5]}


def test_sweep_files_equal_kyoso_sweep(tmp_path: Path, cli):
    r = kyoso.sweep(vary=VARY, reps=3, seed=3, ticks=12, jobs=2, out=tmp_path / "py")
    assert r.path == tmp_path / "py" and r.model == "silent-rivalry"
    assert r.runs.num_rows == 6
    assert r.runs.column("encounters.detect").to_pylist() == [0.1] * 3 + [0.5] * 3
    cli("sweep", "silent-rivalry", "--vary", "encounters.detect=0.1,0.5", "--reps", "3", "--seed", "3",
        "--ticks", "12", "--jobs", "1", "--quiet", "--out", str(tmp_path / "cli"))
    py, rust = files_of(tmp_path / "py"), files_of(tmp_path / "cli")
    assert sorted(py) == sorted(rust)
    for name in ("runs.parquet", "summary.csv", "manifest.json"):
        assert py[name] == rust[name], name


def test_jobs_do_not_change_the_tables():
    a = kyoso.sweep(vary=VARY, reps=4, seed=1, ticks=12, jobs=1)
    b = kyoso.sweep(vary=VARY, reps=4, seed=1, ticks=12, jobs=2)
    assert a.path is None and a.runs.equals(b.runs) and a.summary.equals(b.summary)


def test_seeds_are_text_and_rerun_the_run():
    r = kyoso.sweep(vary={"encounters.detect": "0.2:0.4:2"}, reps=2, seed=2**63 + 5, ticks=12)
    seeds = r.runs.column("seed").to_pylist()
    assert all(isinstance(s, str) for s in seeds)
    row = 3
    detect = r.runs.column("encounters.detect")[row].as_py()
    again = kyoso.run(kyoso.Scenario.default().set("encounters.detect", detect), seed=int(seeds[row]), ticks=12)
    assert again.summary["firms_ever"] == r.runs.column("firms_ever")[row].as_py()
    assert again.summary["innovations"] == r.runs.column("innovations")[row].as_py()


@pytest.mark.parametrize("kind", ["dict", "pandas", "polars", "arrow"])
def test_design_tables(kind):
    cols = {"encounters.detect": [0.1, 0.7], "partnerships.max_partners": [1, 3]}
    if kind == "pandas":
        import pandas as pd

        design = pd.DataFrame(cols)
    elif kind == "polars":
        import polars as pl
        design = pl.DataFrame(cols)
    elif kind == "arrow":
        design = pa.table(cols)
    else:
        design = cols
    r = kyoso.sweep(design=design, reps=1, seed=4, ticks=6)
    assert r.runs.column("encounters.detect").to_pylist() == [0.1, 0.7]
    assert r.runs.column("partnerships.max_partners").to_pylist() == [1, 3]


def test_a_bad_sweep_is_a_scenario_error_and_writes_nothing(tmp_path):
    with pytest.raises(kyoso.ScenarioError) as info:
        kyoso.sweep(vary={"encounters.detect": [0.1, 1.5]}, reps=1, out=tmp_path / "s")
    assert "1.5" in str(info.value)
    assert not (tmp_path / "s").exists()
    with pytest.raises(kyoso.ScenarioError):
        kyoso.sweep("no-such-model", reps=1)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises((kyoso.OutputError, kyoso.ScenarioError)):
        kyoso.sweep(vary=VARY, reps=1, out=tmp_path / "mine")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_classic_model_sweep():
    r = kyoso.sweep("spatial-pd", vary={"b": [1.6, 1.9]}, reps=2, seed=1, set={"size": 20, "steps": 5})
    assert r.model == "spatial-pd" and r.runs.num_rows == 4
    assert "spatial-pd" in kyoso.sweep_models()


def test_progress_callback_sees_every_run():
    seen = []
    kyoso.sweep(vary=VARY, reps=3, ticks=6, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))


def _no_temp_sweeps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("kyoso-"))


def test_ctrl_c_stops_and_leaves_no_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            kyoso.sweep(vary=VARY, reps=500, ticks=120, jobs=1)
    finally:
        timer.cancel()
    assert _no_temp_sweeps(tmp_path) == []


def test_interrupted_kept_sweep_resumes_to_the_same_tables(tmp_path):
    calls = {"n": 0}

    def interrupt(done, total):
        calls["n"] += 1
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        kyoso.sweep(vary=VARY, reps=100, seed=8, ticks=60, jobs=1, out=tmp_path / "s", progress=interrupt)
    journal = (tmp_path / "s" / "journal.jsonl").read_text().splitlines()
    assert 2 <= len(journal) < 200
    assert not (tmp_path / "s" / "runs.parquet").exists()
    resumed = kyoso.sweep(vary=VARY, reps=100, seed=8, ticks=60, jobs=1, out=tmp_path / "s", resume=True)
    whole = kyoso.sweep(vary=VARY, reps=100, seed=8, ticks=60, jobs=2)
    assert resumed.runs.equals(whole.runs)
