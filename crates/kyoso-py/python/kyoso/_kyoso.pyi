"""Type stubs of kyoso's native module (kyoso._kyoso, built from crates/kyoso-py/src)."""

from __future__ import annotations

import os
from typing import Any, Callable

import pyarrow as pa

class ScenarioError(ValueError):
    """A scenario (or a classic model's parameters) that cannot be built.

    The message is the command line's. ``key``, ``value`` and ``allowed``
    name what to fix (None where the error has no such part); ``violations``
    lists every out-of-range value as (key, value, allowed); ``suggestion``
    is the nearest key or name for an unknown one."""

    key: str | None
    value: str | None
    allowed: str | None
    suggestion: str | None
    violations: list[tuple[str, str, str]]

class OutputError(OSError):
    """An output folder that cannot be written (not empty, not a folder, a
    failed write). Nothing half-written is left behind."""

class Scenario:
    """A silent-rivalry scenario, resolved and validated as the command line
    does. Immutable: ``set``, ``at``, ``with_seed`` and ``with_ticks``
    return a new scenario."""

    @staticmethod
    def default() -> Scenario:
        """The default scenario (docs/model.md §8)."""
    @staticmethod
    def preset(name: str) -> Scenario:
        """A region preset (``china``, ``southeast-asia``, ``us-west-coast``) over the default."""
    @staticmethod
    def presets() -> list[str]:
        """The names of the region presets."""
    @staticmethod
    def from_toml(path_or_text: str | os.PathLike[str], preset: str | None = None) -> Scenario:
        """A scenario file (a path, or TOML text) over the default and ``preset``."""
    def set(self, key: str, value: bool | int | float | str | list[Any] | dict[str, Any]) -> Scenario:
        """A new scenario with one dotted key changed (``--set key=value``)."""
    def at(self, tick: int, key: str, value: Any) -> Scenario:
        """A new scenario with a change from month ``tick`` on (``--at TICK:key=value``);
        ``at(36, "enter.JP", 10)`` brings a wave of 10 JP entrants."""
    def with_seed(self, seed: int) -> Scenario:
        """A new scenario with another seed (0 to 2**64 - 1)."""
    def with_ticks(self, ticks: int) -> Scenario:
        """A new scenario with another run length in months."""
    def to_toml(self) -> str:
        """The complete scenario as TOML (what a run's scenario.toml holds)."""
    def to_dict(self) -> dict[str, Any]:
        """The complete scenario as nested dicts."""
    def get(self, key: str) -> Any:
        """The value of one dotted key; KeyError if there is none."""
    @property
    def seed(self) -> int:
        """The seed of every random stream (run.seed)."""
    @property
    def ticks(self) -> int:
        """The run length in months (run.ticks)."""
    @property
    def source(self) -> str:
        """Where the scenario comes from, as summary.json's scenario_source says."""
    @property
    def command_line(self) -> list[str]:
        """The equivalent ``kyoso run`` options."""
    def __eq__(self, other: object) -> bool: ...

class Run:
    """A finished run: the tables ``kyoso run`` writes, handed over without a copy."""

    @property
    def ticks(self) -> pa.Table:
        """ticks.parquet: one row per month, metric and group."""
    @property
    def firms(self) -> pa.Table:
        """firms.parquet: one row per firm that ever existed."""
    @property
    def events(self) -> pa.Table:
        """events.parquet: one row per event, in order."""
    @property
    def summary(self) -> dict[str, Any]:
        """summary.json's headline."""
    @property
    def scenario(self) -> Scenario:
        """The scenario the run used, seed and ticks included."""
    def write(self, dir: str | os.PathLike[str], *, csv: bool = False) -> str:
        """Writes the files ``kyoso run`` writes (byte for byte) into ``dir``,
        which must not exist or be empty; returns the folder."""
    def _values_address(self, table: str, column: str) -> int: ...

def run(scenario: Scenario | None = None, *, seed: int | None = None, ticks: int | None = None) -> Run:
    """Runs a scenario (the default if None) to the end; ``seed`` and ``ticks``
    override the scenario's. Releases the GIL; Ctrl-C raises KeyboardInterrupt."""

class Simulation:
    """A market stepped month by month; stepped to the end it gives exactly
    the tables of ``kyoso.run`` (``to_run()``)."""

    def __init__(self, scenario: Scenario | None = None, *, seed: int | None = None, ticks: int | None = None) -> None: ...
    def step(self, n: int = 1) -> int:
        """Runs ``n`` more months (fewer at the end); returns the months done."""
    @property
    def tick(self) -> int:
        """Months completed so far."""
    @property
    def done(self) -> bool:
        """Whether every month has run."""
    @property
    def scenario(self) -> Scenario:
        """The scenario, with every ``set_now`` change in its schedule."""
    def firms(self) -> pa.Table:
        """Every firm so far in its current state (firms.parquet's columns)."""
    def metrics(self) -> pa.Table:
        """The last completed month's rows of ticks.parquet."""
    def partnerships(self) -> pa.Table:
        """Every partnership formed so far, active and ended."""
    def events(self) -> pa.Table:
        """The event log so far."""
    def set_now(self, key: str, value: Any) -> int:
        """Changes a parameter from the next month on and records it in the
        schedule; returns the month it applies from."""
    def to_run(self) -> Run:
        """The run so far as a Run."""

def _sweep(
    model: str,
    out: str | os.PathLike[str],
    *,
    scenario: Scenario | None = None,
    sets: list[str] = ...,
    vary: list[str] = ...,
    design: str | os.PathLike[str] | None = None,
    reps: int = 1,
    seed: int | None = None,
    ticks: int | None = None,
    jobs: int | None = None,
    shard: str | None = None,
    resume: bool = False,
    common_seeds: bool = False,
    keep_ticks: bool = False,
    firm_ticks: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> str: ...
def _experiment(
    name: str,
    out: str | os.PathLike[str],
    *,
    reps: int | None = None,
    jobs: int | None = None,
    ticks: int | None = None,
    seed: int | None = None,
    sets: list[str] = ...,
    at: list[str] = ...,
    resume: bool = False,
    controls: bool = True,
    robustness: int | None = None,
    robustness_reps: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> str: ...
def experiments() -> list[dict[str, Any]]: ...
def sweep_models() -> list[str]:
    """The models ``kyoso.sweep`` runs."""
def version() -> str:
    """The kyoso version."""
def strategies() -> list[dict[str, Any]]: ...
def play_match(
    a: str,
    b: str,
    *,
    turns: int = 200,
    game: list[float] = ...,
    noise: float = 0.0,
    prob_end: float | None = None,
    seed: int = 0,
) -> dict[str, Any]: ...
def tournament_run(
    preset: str | None = None, params: dict[str, Any] | None = None, ecological: int | None = None
) -> tuple[dict[str, pa.Table], dict[str, Any]]: ...
def moran(
    population: list[tuple[str, int]],
    *,
    turns: int = 200,
    game: list[float] = ...,
    noise: float = 0.0,
    prob_end: float | None = None,
    mutation_rate: float = 0.0,
    max_steps: int = 10000,
    seed: int = 0,
) -> tuple[dict[str, pa.Table], dict[str, Any]]: ...
def spatial_pd(
    preset: str | None = None, params: dict[str, Any] | None = None
) -> tuple[dict[str, pa.Table], dict[str, Any], list[list[int]]]: ...
def ethnocentrism_run(
    params: dict[str, Any] | None = None,
) -> tuple[dict[str, pa.Table], dict[str, Any], list[list[tuple[int, str] | None]]]: ...

class Design:
    """An experimental design: its points and the sidecar sensitivity analysis needs."""

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Design:
        """A design saved by ``kyoso explore design`` (the CSV and its ``.json`` sidecar)."""
    def csv(self) -> bytes:
        """The design's CSV (a header of parameter keys, one row per point)."""
    @property
    def table(self) -> pa.Table:
        """The design points, one column per parameter."""
    @property
    def info(self) -> dict[str, Any]:
        """The sidecar: method, rows, space, seed."""
    @property
    def keys(self) -> list[str]:
        """The parameter keys, in column order."""
    @property
    def rows(self) -> int:
        """The number of design points."""
    def write(self, path: str | os.PathLike[str], *, force: bool = False) -> str:
        """Writes the CSV and its sidecar (``path.json``); returns the sidecar's path."""
    def __len__(self) -> int: ...

def make_design(
    method: str,
    space: str = "plausible",
    *,
    n: int = 0,
    levels: int | None = None,
    optimised_from: int | None = None,
    second_order: bool = False,
    maximin: int = 1,
    seed: int = 1,
    model: str = "silent-rivalry",
) -> Design: ...
def preflight(method: str, design: Design) -> None: ...
def sensitivity(
    method: str,
    results: str | os.PathLike[str],
    design: Design,
    *,
    metrics: list[str] = ...,
    resamples: int = 1000,
    seed: int = 1,
) -> tuple[pa.Table, list[tuple[str, str]]]: ...
def discover(
    results: str | os.PathLike[str], design: Design, metric: str, condition: str, *, min_coverage: float = 0.5
) -> tuple[pa.Table, dict[str, Any]]: ...
