#!/usr/bin/env python3
"""The Python package against the Rust it calls, on the same work.

Usage:  python scripts/bench_python.py [--rounds N]
        (in an environment where `pip install ./crates/kyoso-py` was run)

Builds the release command line and crates/kyoso-io/examples/time_run.rs,
then, in alternating rounds (this machine is noisy; rounds alternate so
drift hits both sides alike):

  1. the default scenario's run (120 months): `kyoso.run()` against the Rust
     library's `run_scenario_with` in process (the example), medians of
     every repeat; and with the three tables built (`run.ticks`, `.firms`,
     `.events` against kyoso-io's record batches);
  2. a 1,000-run sweep of the default scenario (reps 1000, every CPU):
     `kyoso.sweep(..., out=dir)` against `kyoso sweep silent-rivalry` (the
     release binary, its start-up included), wall-clock;
  3. a run whose ticks table has a million rows: bytes pyarrow allocates
     when the table is handed over (pyarrow.total_allocated_bytes), the
     buffer addresses on both sides, and the process's resident memory
     before and after a second hand-over.

Prints one JSON object with every figure and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pyarrow as pa

import kyoso

ROOT = Path(__file__).resolve().parent.parent


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build() -> tuple[Path, Path]:
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "kyoso-cli"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "kyoso-io", "--example", "time_run"], cwd=ROOT, check=True)
    return ROOT / "target/release/kyoso", ROOT / "target/release/examples/time_run"


def rust_run(example: Path, repeats: int, ticks: int | None = None) -> dict:
    args = [str(example), str(repeats)] + ([str(ticks)] if ticks else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def python_run(repeats: int) -> tuple[list[float], list[float]]:
    run_only, with_tables = [], []
    scenario = kyoso.Scenario.default()
    for _ in range(repeats):
        # Results are freed after the clock stops, as the Rust side frees them.
        t = time.perf_counter()
        r = kyoso.run(scenario)
        run_only.append(time.perf_counter() - t)
        del r
        t = time.perf_counter()
        r = kyoso.run(scenario)
        tables = (r.ticks, r.firms, r.events)
        with_tables.append(time.perf_counter() - t)
        del r, tables
    return run_only, with_tables


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--sweep-rounds", type=int, default=3)
    ap.add_argument("--sweep-reps", type=int, default=1000)
    args = ap.parse_args()
    cli, example = build()

    # 1. one run, alternating rounds
    py_run, py_tab, rs_run, rs_tab = [], [], [], []
    kyoso.run()  # warm up the module
    for _ in range(args.rounds):
        a, b = python_run(args.repeats)
        py_run += a
        py_tab += b
        r = rust_run(example, args.repeats)
        rs_run += r["run_only"]
        rs_tab += r["run_and_tables"]
    med = statistics.median

    # 2. a 1,000-run sweep, alternating rounds
    py_sweep, cli_sweep = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.sweep_rounds):
            t = time.perf_counter()
            kyoso.sweep(reps=args.sweep_reps, seed=k, out=Path(tmp) / f"py{k}", progress=False)
            py_sweep.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([str(cli), "sweep", "silent-rivalry", "--reps", str(args.sweep_reps), "--seed", str(k),
                            "--quiet", "--out", str(Path(tmp) / f"cli{k}")], check=True, capture_output=True)
            cli_sweep.append(time.perf_counter() - t)
        same = (Path(tmp) / "py0/runs.parquet").read_bytes() == (Path(tmp) / "cli0/runs.parquet").read_bytes()

    # 3. a million-row table
    big = kyoso.run(ticks=10_200)
    before_pool = pa.total_allocated_bytes()
    t = time.perf_counter()
    table = big.ticks
    first = time.perf_counter() - t
    rss0 = rss_bytes()
    t = time.perf_counter()
    again = big.ticks
    second = time.perf_counter() - t
    rss1 = rss_bytes()
    value = table.column("value").chunk(0)
    million = {
        "rows": table.num_rows,
        "table_bytes": table.nbytes,
        "first_handover_s (builds the table in Rust)": first,
        "second_handover_s": second,
        "pyarrow_bytes_allocated": pa.total_allocated_bytes() - before_pool,
        "rss_growth_second_handover_bytes": rss1 - rss0,
        "same_buffer_as_rust": value.buffers()[1].address == big._values_address("ticks", "value"),
        "second_handover_same_buffer": again.column("value").chunk(0).buffers()[1].address == value.buffers()[1].address,
    }

    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, kyoso {kyoso.__version__}",
        "default_run": {
            "python_run_median_ms": med(py_run) * 1e3,
            "rust_run_median_ms": med(rs_run) * 1e3,
            "ratio_run": med(py_run) / med(rs_run),
            "python_run_and_tables_median_ms": med(py_tab) * 1e3,
            "rust_run_and_tables_median_ms": med(rs_tab) * 1e3,
            "ratio_run_and_tables": med(py_tab) / med(rs_tab),
            "repeats_each": len(py_run),
        },
        "sweep": {
            "runs": args.sweep_reps,
            "python_s": py_sweep,
            "cli_s": cli_sweep,
            "ratio_median": med(py_sweep) / med(cli_sweep),
            "runs_parquet_identical": same,
        },
        "million_rows": million,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
