"""kyoso.explore gives `kyoso explore`'s designs, indices and boxes."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import kyoso
from kyoso import explore


@pytest.fixture(scope="module")
def morris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("morris")
    d = explore.design("morris", n=4, levels=4, seed=3)
    res = kyoso.sweep(design=d, reps=2, ticks=12, seed=2, progress=False, out=folder / "sweep")
    return folder, d, res


def test_design_equals_kyoso_explore_design(tmp_path, cli):
    d = explore.design("lhs", n=12, seed=5)
    cli("explore", "design", "lhs", "--space", "plausible", "--n", "12", "--seed", "5", "--out", str(tmp_path / "d.csv"))
    assert d.csv() == (tmp_path / "d.csv").read_bytes()
    assert len(d) == d.rows == 12 and d.table.num_rows == 12 and d.table.column_names == d.keys
    side = d.write(tmp_path / "py.csv")
    assert (tmp_path / "py.csv").read_bytes() == d.csv() and side.exists()
    again = kyoso.explore.Design.load(tmp_path / "py.csv")
    assert again.csv() == d.csv() and again.info == d.info
    with pytest.raises(kyoso.ScenarioError):
        explore.design("latin", n=3)
    with pytest.raises(kyoso.ScenarioError):  # a range outside the parameter's allowed range
        explore.design("lhs", "[parameters]\n\"encounters.detect\" = { low = 0.5, high = 2.0 }\n", n=3)


def test_sensitivity_equals_kyoso_explore_sensitivity(morris, cli):
    folder, d, res = morris
    d.write(folder / "design.csv")
    metrics = ["firms_alive", "expectation_gap_naive_ingroup"]
    s = explore.sensitivity("morris", res, d, metrics=metrics, resamples=200, seed=4)
    cli("explore", "sensitivity", "morris", str(folder / "sweep"), "--design", str(folder / "design.csv"),
        *[a for m in metrics for a in ("--metric", m)], "--resamples", "200", "--seed", "4",
        "--out", str(folder / "cli"))
    assert s.indices.equals(pq.read_table(folder / "cli" / "indices.parquet"))
    assert set(s.indices.column("metric").to_pylist()) == set(metrics)
    # the same analysis of the sweep held in memory (its temporary folder gone)
    mem = kyoso.sweep(design=d, reps=2, ticks=12, seed=2, progress=False)
    assert mem.path is None
    assert explore.sensitivity("morris", mem, d, metrics=metrics, resamples=200, seed=4).indices.equals(s.indices)
    with pytest.raises(kyoso.ScenarioError):
        explore.sensitivity("sobol", res, d, metrics=metrics)  # a morris design is not a saltelli design


def test_discover_equals_kyoso_explore_discover(tmp_path, cli):
    d = explore.design("lhs", n=40, seed=2)
    res = kyoso.sweep(design=d, reps=1, ticks=12, seed=1, progress=False, out=tmp_path / "sweep")
    d.write(tmp_path / "design.csv")
    found = explore.discover(res, d, "expectation_gap_naive_ingroup", "> 0.05")
    cli("explore", "discover", str(tmp_path / "sweep"), "--design", str(tmp_path / "design.csv"),
        "--metric", "expectation_gap_naive_ingroup", "--where", "> 0.05", "--out", str(tmp_path / "cli"))
    assert found.boxes.equals(pq.read_table(tmp_path / "cli" / "boxes.parquet"))
    assert 0 < found.summary["rows_where_it_holds"] <= 40


def test_explore_run_checks_before_running():
    with pytest.raises(kyoso.ScenarioError) as info:
        explore.run("regression", n=10, reps=1, ticks=6, progress=False)
    assert "rows" in str(info.value)
    r = explore.run("morris", n=3, levels=4, reps=1, ticks=6, progress=False, metrics=["firms_alive"], resamples=50)
    assert r.sweep.runs.num_rows == r.design.rows and r.sensitivity.indices.num_rows > 0
