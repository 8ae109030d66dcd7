"""Runs and stepping from Python give the command line's tables, without copies."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kyoso
from conftest import files_of

TICKS = 24


@pytest.fixture(scope="module")
def run() -> kyoso.Run:
    return kyoso.run(kyoso.Scenario.default().set("encounters.detect", 0.6), seed=7, ticks=TICKS)


def test_tables_and_summary(run):
    assert isinstance(run.ticks, pa.Table) and isinstance(run.firms, pa.Table) and isinstance(run.events, pa.Table)
    assert run.ticks.column("tick").to_pylist()[-1] == TICKS - 1
    assert run.summary["ticks"] == TICKS
    assert run.summary["firms_ever"] == run.firms.num_rows
    assert run.scenario.seed == 7 and run.scenario.ticks == TICKS
    assert run.scenario.get("encounters.detect") == 0.6
    # documented columns carry their unit and meaning along
    meta = run.firms.schema.field("firm").metadata
    assert b"meaning" in meta and b"unit" in meta


def test_pandas_and_polars(run):
    df = run.ticks.to_pandas()
    assert len(df) == run.ticks.num_rows and list(df.columns) == run.ticks.column_names
    import polars
    pl = polars.from_arrow(run.firms)
    assert pl.height == run.firms.num_rows
    # signed ids: differences do not wrap around
    alive = pl.filter(polars.col("exit_tick").is_not_null())
    if alive.height:
        assert (alive["entry_tick"] - alive["exit_tick"]).max() <= 0


def test_tables_are_not_copied(run):
    """pyarrow's buffers are the Rust buffers: the same addresses."""
    for table, column in [("ticks", "value"), ("ticks", "tick"), ("firms", "capability_final"), ("events", "tick")]:
        arrow = getattr(run, table)
        array = arrow.column(column).chunk(0)
        assert arrow.column(column).num_chunks == 1
        assert array.buffers()[1].address == run._values_address(table, column), (table, column)


def test_write_is_byte_identical_to_kyoso_run(tmp_path: Path, cli):
    s = kyoso.Scenario.preset("china").set("encounters.detect", 0.6).at(12, "encounters.detect", 0.9)
    r = kyoso.run(s, seed=123, ticks=TICKS)
    r.write(tmp_path / "py", csv=True)
    cli(
        "run", "--preset", "china", "--set", "encounters.detect=0.6", "--at", "12:encounters.detect=0.9",
        "--seed", "123", "--ticks", str(TICKS), "--csv", "--quiet", "--out", str(tmp_path / "cli"),
    )
    py, rust = files_of(tmp_path / "py"), files_of(tmp_path / "cli")
    assert sorted(py) == sorted(rust)
    assert {"ticks.parquet", "firms.parquet", "events.parquet", "scenario.toml", "summary.json"} <= set(py)
    for name in py:
        assert py[name] == rust[name], name
    # and the tables in memory are the files' tables
    assert pq.read_table(tmp_path / "py" / "ticks.parquet").equals(r.ticks)


def test_write_never_touches_a_folder_it_did_not_write(tmp_path: Path, run):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(kyoso.OutputError) as info:
        run.write(tmp_path)
    assert isinstance(info.value, OSError)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_the_same_seed_gives_the_same_tables():
    a = kyoso.run(seed=5, ticks=12)
    b = kyoso.run(kyoso.Scenario.default().with_seed(5).with_ticks(12))
    assert a.ticks.equals(b.ticks) and a.firms.equals(b.firms) and a.events.equals(b.events)
    c = kyoso.run(seed=6, ticks=12)
    assert not a.firms.equals(c.firms)


def test_stepping_equals_running():
    s = kyoso.Scenario.default().with_ticks(TICKS)
    whole = kyoso.run(s, seed=9)
    sim = kyoso.Simulation(s, seed=9)
    assert sim.tick == 0 and not sim.done
    assert sim.step() == 1
    assert sim.metrics().column("tick").unique().to_pylist() == [0]
    assert sim.step(10) == 11
    firms = sim.firms()
    assert firms.schema.names == whole.firms.schema.names
    assert sim.partnerships().num_rows > 0
    assert sim.events().num_rows > 0
    assert sim.step(1000) == TICKS and sim.done
    assert sim.step() == TICKS  # stepping past the end does nothing
    stepped = sim.to_run()
    assert stepped.ticks.equals(whole.ticks)
    assert stepped.firms.equals(whole.firms)
    assert stepped.events.equals(whole.events)
    assert stepped.summary == whole.summary


def test_stepped_metrics_are_the_run_rows():
    s = kyoso.Scenario.default().with_ticks(6)
    whole = kyoso.run(s).ticks
    sim = kyoso.Simulation(s)
    rows = []
    while not sim.done:
        sim.step()
        rows.append(sim.metrics())
    assert pa.concat_tables(rows).equals(whole)


def test_set_now_is_a_scheduled_change(tmp_path, cli):
    sim = kyoso.Simulation(seed=4, ticks=TICKS)
    sim.step(10)
    assert sim.set_now("encounters.detect", 0.95) == 10
    assert sim.scenario.command_line == ["--at", "10:encounters.detect=0.95", "--seed", "4", "--ticks", str(TICKS)]
    with pytest.raises(kyoso.ScenarioError):
        sim.set_now("encounters.detect", 2.0)
    sim.step(TICKS)
    sim.to_run().write(tmp_path / "py")
    cli("run", *sim.scenario.command_line, "--quiet", "--out", str(tmp_path / "cli"))
    assert files_of(tmp_path / "py") == files_of(tmp_path / "cli")
    assert kyoso.run(sim.scenario).firms.equals(sim.to_run().firms)


def _interrupt_soon(seconds: float = 0.3):
    import os
    import signal
    import threading

    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_a_run_and_a_step():
    import time

    LONG = kyoso.Scenario.default().set("mechanisms.demand_growth", False).with_ticks(200_000)

    timer = _interrupt_soon()
    t = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            kyoso.run(LONG)
    finally:
        timer.cancel()
    assert time.perf_counter() - t < 5
    sim = kyoso.Simulation(LONG)
    timer = _interrupt_soon()
    try:
        with pytest.raises(KeyboardInterrupt):
            sim.step(200_000)
    finally:
        timer.cancel()
    assert 0 < sim.tick < 200_000  # stopped between months; the state stays usable
    sim.step()
