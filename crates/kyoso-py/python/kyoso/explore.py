"""Exploration: experimental designs, sensitivity indices, scenario discovery.

Thin calls into the same Rust code as ``kyoso explore design``,
``sensitivity`` and ``discover`` (docs/exploration.md); the estimators are
checked against SALib in CI.

>>> from kyoso import explore
>>> d = explore.design("morris", n=10, levels=4)          # over the plausible space
>>> res = kyoso.sweep(design=d, reps=2, ticks=60)
>>> explore.sensitivity("morris", res, d).indices.to_pandas()
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from . import _kyoso
from ._kyoso import Design

__all__ = ["Design", "DiscoveryResult", "ExploreResult", "SensitivityResult", "design", "discover", "run", "sensitivity"]

_ANALYSIS_DESIGN = {"morris": "morris", "sobol": "saltelli", "regression": "lhs"}


class SensitivityResult:
    """Sensitivity indices: ``indices`` (one row per metric, parameter and
    index, with its bootstrap interval), ``skipped`` (metrics left out, with
    the reason) and the ``method``."""

    def __init__(self, method: str, indices: pa.Table, skipped: list[tuple[str, str]]) -> None:
        self.method = method
        self.indices = indices
        self.skipped = skipped

    def __repr__(self) -> str:
        return f"SensitivityResult({self.method}, {self.indices.num_rows} index rows, {len(self.skipped)} metrics skipped)"


class DiscoveryResult:
    """Scenario discovery: ``boxes`` (PRIM's peeling trajectory and chosen
    box, and the tree's leaves, one row per box and parameter) and
    ``summary`` (the chosen box's coverage, density, mass and limits)."""

    def __init__(self, boxes: pa.Table, summary: dict) -> None:
        self.boxes = boxes
        self.summary = summary

    def __repr__(self) -> str:
        s = self.summary
        return f"DiscoveryResult({s['metric']} {s['condition']}: holds in {s['rows_where_it_holds']} of {s['rows']} rows)"


class ExploreResult:
    """``explore.run``'s design, sweep and sensitivity analysis."""

    def __init__(self, design: Design, sweep: Any, sensitivity: SensitivityResult) -> None:
        self.design = design
        self.sweep = sweep
        self.sensitivity = sensitivity

    def __repr__(self) -> str:
        return f"ExploreResult({self.design!r}, {self.sweep!r}, {self.sensitivity!r})"


def design(
    method: str,
    space: str | os.PathLike = "plausible",
    *,
    n: int = 0,
    levels: int | None = None,
    optimised_from: int | None = None,
    second_order: bool = False,
    maximin: int = 1,
    seed: int = 1,
    model: str = "silent-rivalry",
) -> Design:
    """A design (``kyoso explore design``): ``method`` is lhs,
    sobol-sequence, saltelli, morris or factorial; ``space`` a space file,
    TOML text, or ``plausible`` (the default scenario's plausible ranges).
    ``n`` is the number of points (of trajectories for morris, of base rows
    for saltelli); ``model="none"`` skips checking the space against the
    scenario (another tool's parameters)."""
    return _kyoso.make_design(
        method,
        os.fspath(space),
        n=n,
        levels=levels,
        optimised_from=optimised_from,
        second_order=second_order,
        maximin=maximin,
        seed=seed,
        model=model,
    )


def _results_path(results: Any, stack: contextlib.ExitStack) -> Path:
    """Results as a path the engine reads: a sweep folder, or a table file."""
    if isinstance(results, (str, os.PathLike)):
        return Path(results)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyoso-results-")))
    if hasattr(results, "manifest") and hasattr(results, "runs"):  # a SweepResult
        if results.path is not None:
            return Path(results.path)
        for name, data in results._files.items():
            (folder / name).write_bytes(data)
        return folder
    if isinstance(results, Mapping):
        table = pa.table(dict(results))
    elif isinstance(results, pa.Table):
        table = results
    elif hasattr(results, "to_arrow"):
        table = results.to_arrow()
    else:
        table = pa.Table.from_pandas(results, preserve_index=False)
    path = folder / "results.parquet"
    pq.write_table(table, path)
    return path


def sensitivity(
    method: str,
    results: Any,
    design: Design,
    *,
    metrics: Sequence[str] | None = None,
    resamples: int = 1000,
    seed: int = 1,
) -> SensitivityResult:
    """Sensitivity indices (``kyoso explore sensitivity``): ``method`` is
    morris (a morris design), sobol (a saltelli design), regression or
    correlation (any design). ``results``: a ``SweepResult`` or sweep folder
    run on ``design``, or a table (pandas, polars, pyarrow, dict) whose rows
    are the design's rows in order. 95 % bootstrap intervals from
    ``resamples`` resamples."""
    with contextlib.ExitStack() as stack:
        path = _results_path(results, stack)
        indices, skipped = _kyoso.sensitivity(
            method, path, design, metrics=list(metrics or []), resamples=resamples, seed=seed
        )
        return SensitivityResult(method, indices, list(skipped))


def discover(results: Any, design: Design, metric: str, where: str, *, min_coverage: float = 0.5) -> DiscoveryResult:
    """Scenario discovery (``kyoso explore discover``): the region of the
    design's space where ``metric`` meets ``where`` (``"> 0.1"``,
    ``"<= 0"``, ``"= supported"``), by PRIM (boxes covering at least
    ``min_coverage`` of the cases) and a shallow tree."""
    with contextlib.ExitStack() as stack:
        path = _results_path(results, stack)
        boxes, summary = _kyoso.discover(path, design, metric, where, min_coverage=min_coverage)
        return DiscoveryResult(boxes, dict(summary))


def run(
    method: str,
    model: str = "silent-rivalry",
    *,
    space: str | os.PathLike = "plausible",
    n: int = 0,
    levels: int | None = None,
    second_order: bool = False,
    design_seed: int = 1,
    reps: int = 1,
    metrics: Sequence[str] | None = None,
    resamples: int = 1000,
    out: str | os.PathLike | None = None,
    **sweep_options: Any,
) -> ExploreResult:
    """Design, sweep and analysis in one call (``kyoso explore run``):
    ``method`` morris, sobol (on a saltelli design) or regression (on a
    Latin hypercube). ``sweep_options`` go to ``kyoso.sweep`` (scenario,
    set, seed, ticks, jobs, common_seeds, progress)."""
    if method not in _ANALYSIS_DESIGN:
        err = _kyoso.ScenarioError(f"explore method `{method}`: allowed morris, sobol, regression")
        err.key, err.value, err.allowed, err.suggestion, err.violations = "method", method, "morris, sobol, regression", None, []
        raise err
    space_model = "silent-rivalry" if model == "silent-rivalry" else "none"
    d = design(_ANALYSIS_DESIGN[method], space, n=n, levels=levels, second_order=second_order,
               seed=design_seed, model=space_model)
    _kyoso.preflight(method, d)  # before any run: the right design, enough rows
    from . import sweep

    res = sweep(model, design=d, reps=reps, out=out, **sweep_options)
    return ExploreResult(d, res, sensitivity(method, res, d, metrics=metrics, resamples=resamples))
