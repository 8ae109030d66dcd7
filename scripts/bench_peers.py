#!/usr/bin/env python3
"""Time kyoso against its peers (the axelrod library and Mesa) on the same work.

Usage:  python3 scripts/bench_peers.py [--no-venv]

Creates .venv-bench/ at the repository root (unless --no-venv and both
packages are importable), installs `axelrod` and `mesa` from PyPI, builds
kyoso's `bench_work` example in release mode and times, in one run:

  1. spatial PD with Mesa pd_grid's rules (Moore, no self-interaction,
     cumulative scores, b = 1.6, simultaneous update), 100x100, 50 steps:
     Mesa's PdGrid(100, 100, "Simultaneous") against kyoso, both on one thread;
     agent-steps per second.
  2. Axelrod's first tournament, 200 turns, 5 repetitions: the axelrod
     library's Tournament (one process, build_results=False) against kyoso,
     both on one thread; match-turns per second.
  3. A 1000x1000 spatial PD (Nowak-May rules) in kyoso with every thread of
     the machine; agent-steps per second and the model's bytes per cell.

kyoso times the model in process (best of several repeats, no start-up or
file writing); the peers are timed the same way (best of 3). Prints one
JSON object with every figure and the ratios.
"""
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-bench"


def ensure_venv():
    if "--no-venv" in sys.argv or os.environ.get("KYOSO_BENCH_IN_VENV"):
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "axelrod", "mesa"], check=True)
    env = dict(os.environ, KYOSO_BENCH_IN_VENV="1")
    sys.exit(subprocess.run([str(python), __file__, *sys.argv[1:]], env=env).returncode)


ensure_venv()

import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="Tournament results will not be accessible")

import axelrod as axl  # noqa: E402
import mesa  # noqa: E402
from mesa.examples.advanced.pd_grid.model import PdGrid  # noqa: E402


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def kyoso(work, threads=None):
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    exe = ROOT / "target" / "release" / "examples" / "bench_work"
    out = subprocess.run([str(exe), work], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kyoso-classic", "--example", "bench_work"], cwd=ROOT, check=True)

    # 1. Mesa pd_grid, 100x100, 50 steps.
    def mesa_run():
        PdGrid(width=100, height=100, activation_order="Simultaneous", seed=1).run(50)

    mesa_seconds = best_of(3, mesa_run)
    mesa_rate = 100 * 100 * 50 / mesa_seconds
    kyoso_mesa = kyoso("spatial-mesa", threads=1)

    # 2. Axelrod's first tournament, 200 turns, 5 repetitions.
    def axelrod_run():
        players = [s() for s in axl.axelrod_first_strategies]
        axl.Tournament(players, turns=200, repetitions=5, seed=1).play(
            build_results=False, progress_bar=False, processes=None
        )

    axelrod_seconds = best_of(3, axelrod_run)
    turns = 15 * 16 // 2 * 5 * 200
    axelrod_rate = turns / axelrod_seconds
    kyoso_axelrod = kyoso("axelrod-first", threads=1)

    # 3. 1000x1000, all threads.
    large = kyoso("spatial-large")

    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {"axelrod": axl.__version__, "mesa": mesa.__version__},
        "spatial_mesa_rules_100x100_50_steps": {
            "mesa_agent_steps_per_second": round(mesa_rate),
            "kyoso_agent_steps_per_second": kyoso_mesa["agent_steps_per_second"],
            "ratio": round(kyoso_mesa["agent_steps_per_second"] / mesa_rate, 1),
            "goal_ratio": 300,
        },
        "axelrod_first_200_turns_5_repetitions": {
            "axelrod_match_turns_per_second": round(axelrod_rate),
            "kyoso_match_turns_per_second": kyoso_axelrod["match_turns_per_second"],
            "ratio": round(kyoso_axelrod["match_turns_per_second"] / axelrod_rate, 1),
            "goal_ratio": 1000,
        },
        "spatial_1000x1000": {
            "threads": large["threads"],
            "kyoso_agent_steps_per_second": large["agent_steps_per_second"],
            "goal_agent_steps_per_second": 100_000_000,
            "model_bytes_per_cell": large["model_bytes_per_cell"],
            "goal_bytes_per_cell": 16,
            "peak_rss_kib": large["peak_rss_kib"],
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
