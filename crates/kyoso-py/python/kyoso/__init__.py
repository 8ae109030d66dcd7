"""kyoso: a fast, reproducible simulator of coopetition.

The silent-rivalry market model (docs/model.md) and the sweep runner, from
Python. Everything runs in the same Rust code as the ``kyoso`` command line:
the same scenario and seed give the same tables, byte for byte when written.

>>> import kyoso
>>> run = kyoso.run(kyoso.Scenario.default().set("encounters.detect", 0.6), seed=7)
>>> run.ticks.to_pandas()          # ticks.parquet as a pandas DataFrame
>>> run.summary["firms_alive"]

Tables are ``pyarrow.Table`` objects handed over without a copy; use
``.to_pandas()`` or ``polars.from_arrow(table)``. See docs/python.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from . import _kyoso, classic, explore
from ._kyoso import OutputError, Run, Scenario, ScenarioError, Simulation, run

__all__ = [
    "ExperimentResult",
    "OutputError",
    "Run",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SweepResult",
    "classic",
    "experiment",
    "explore",
    "experiments",
    "run",
    "sweep",
    "sweep_models",
    "__version__",
]

__version__: str = _kyoso.version()


def sweep_models() -> list[str]:
    """The models ``sweep`` runs: silent-rivalry and the classic models."""
    return list(_kyoso.sweep_models())


class SweepResult:
    """A finished sweep: ``runs`` (runs.parquet, one row per run),
    ``summary`` (summary.csv, per design point and metric), ``ticks`` (with
    ``keep_ticks=True``), the ``manifest`` (a dict) and the folder ``path``
    (None when the sweep ran in a temporary folder, now removed)."""

    def __init__(
        self,
        runs: pa.Table,
        summary: pa.Table,
        manifest: dict,
        path: Path | None,
        ticks: pa.Table | None,
    ) -> None:
        self.runs = runs
        self.summary = summary
        self.manifest = manifest
        self.path = path
        self.ticks = ticks
        self._files: dict[str, bytes] = {}

    def __repr__(self) -> str:
        where = self.path if self.path is not None else "in memory"
        return f"SweepResult({self.model}, {self.runs.num_rows} runs, {where})"

    @property
    def model(self) -> str:
        """The model swept (``silent-rivalry``, ``moran``, ...)."""
        return str(self.manifest["spec"]["model"])


def _read_sweep(folder: Path, manifest: dict, keep: bool, keep_ticks: bool) -> SweepResult:
    runs = pq.read_table(folder / "runs.parquet", memory_map=False)
    summary = pa_csv.read_csv(folder / "summary.csv")
    ticks = None
    if keep_ticks and (folder / "ticks.parquet").exists():
        ticks = pq.read_table(folder / "ticks.parquet", memory_map=False)
    result = SweepResult(runs, summary, manifest, folder if keep else None, ticks)
    if not keep:
        # What kyoso.explore needs to analyse the sweep once its temporary
        # folder is gone: the manifest and the journal, as written.
        result._files = {n: (folder / n).read_bytes() for n in ("manifest.json", "journal.jsonl")}
    return result


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _progress_bar(progress: bool | Callable[[int, int], Any] | None, desc: str):
    """A callback ``(done, total)`` and a closer: tqdm when asked for (or
    when a terminal or notebook is attached and tqdm is installed), quiet
    otherwise."""
    if callable(progress):
        return progress, lambda: None
    attached = sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    if progress is False or (progress is None and not (attached or _in_notebook())):
        return None, lambda: None
    try:
        from tqdm import std as tqdm_std
    except ImportError:
        return None, lambda: None
    tqdm = tqdm_std.tqdm
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm
        except ImportError:
            pass
    bars: list = []

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(desc=desc, unit="run", total=total, initial=done))
            return
        bar = bars[0]
        if bar.total != total:  # an experiment runs several sweeps
            bar.reset(total=total)
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars:
            bar.close()

    return update, close


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _vary(vary: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    """``{"encounters.detect": [0.1, 0.3]}`` or ``{"k": "0:1:5"}`` as the
    command line's ``--vary`` texts."""
    if vary is None:
        return []
    if isinstance(vary, Mapping):
        out = []
        for key, values in vary.items():
            if isinstance(values, str):
                out.append(f"{key}={values}")
            else:
                out.append(f"{key}=" + ",".join(_literal(v) for v in values))
        return out
    return [str(v) for v in vary]


def _design_file(design: Any, stack: contextlib.ExitStack) -> Path | None:
    """A design as a CSV path: a path as it is, or a table (pandas, polars,
    pyarrow, or a dict of columns) written to a temporary CSV."""
    if design is None:
        return None
    if isinstance(design, (str, os.PathLike)):
        return Path(design)
    if isinstance(design, _kyoso.Design):  # kyoso.explore.design(...)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyoso-design-")))
        design.write(folder / "design.csv")
        return folder / "design.csv"
    if isinstance(design, Mapping):
        table = pa.table(dict(design))
    elif isinstance(design, pa.Table):
        table = design
    elif hasattr(design, "to_arrow"):  # polars
        table = design.to_arrow()
    else:  # pandas and anything pyarrow understands
        table = pa.Table.from_pandas(design, preserve_index=False)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyoso-design-")))
    path = folder / "design.csv"
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))
    return path


def sweep(
    model: str = "silent-rivalry",
    *,
    scenario: Scenario | None = None,
    vary: Mapping[str, Any] | Sequence[str] | None = None,
    design: Any = None,
    reps: int = 1,
    seed: int | None = None,
    ticks: int | None = None,
    set: Mapping[str, Any] | None = None,
    jobs: int | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    common_seeds: bool = False,
    keep_ticks: bool = False,
    firm_ticks: int | None = None,
    shard: str | None = None,
    progress: bool | Callable[[int, int], Any] | None = None,
) -> SweepResult:
    """Runs a sweep as ``kyoso sweep`` does (the same runner, seeds and
    files) and returns its tables.

    ``vary`` is a grid (``{"encounters.detect": [0.1, 0.3, 0.5]}`` or
    ``{"key": "start:stop:count"}``), ``design`` a table of design points
    (a pandas or polars DataFrame, a pyarrow Table, a dict of columns, or a
    CSV path), crossed with the grid. ``set`` changes base parameters (for
    the classic models, their parameters). With ``out=None`` the sweep runs
    in a temporary folder that is removed afterwards; with ``out`` the
    folder is kept (and ``resume=True`` continues it). ``jobs`` worker
    threads (default: every CPU) give the same tables. Ctrl-C raises
    KeyboardInterrupt after the runs in progress: a temporary folder is
    removed, a kept one holds the runs done so far for ``resume=True``.
    """
    sets = [f"{k}={_literal(v)}" for k, v in (set or {}).items()]
    with contextlib.ExitStack() as stack:
        if out is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyoso-sweep-"))) / "sweep"
        else:
            folder = Path(out)
        design_path = _design_file(design, stack)
        callback, close = _progress_bar(progress, f"kyoso sweep {model}")
        stack.callback(close)
        manifest = _kyoso._sweep(
            model,
            folder,
            scenario=scenario,
            sets=sets,
            vary=_vary(vary),
            design=design_path,
            reps=reps,
            seed=seed,
            ticks=ticks,
            jobs=jobs,
            shard=shard,
            resume=resume,
            common_seeds=common_seeds,
            keep_ticks=keep_ticks,
            firm_ticks=firm_ticks,
            progress=callback,
        )
        return _read_sweep(folder, json.loads(manifest), out is not None, keep_ticks)


class ExperimentResult:
    """A finished experiment: ``verdicts`` (verdicts.json as a dict),
    ``tests`` (one row per test: effect, interval, p-values, verdict and the
    negative control's verdict), ``report`` (report.md's text) and the
    folder ``path`` (None when it ran in a temporary folder, now removed).
    In a notebook the result shows as its report."""

    def __init__(self, name: str, verdicts: dict, report: str, path: Path | None) -> None:
        self.name = name
        self.verdicts = verdicts
        self.report = report
        self.path = path
        self.tests = _tests_table(verdicts)

    def _repr_markdown_(self) -> str:
        return self.report

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for v in self.tests.column("verdict").to_pylist() if self.tests.num_rows else []:
            counts[v] = counts.get(v, 0) + 1
        shown = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        return f"ExperimentResult({self.name}: {self.tests.num_rows} tests, {shown or 'none'})"


def _tests_table(verdicts: dict) -> pa.Table:
    """verdicts.json's tests as a flat table (the suite's lines for ``all``)."""
    if "lines" in verdicts:  # the suite
        return pa.Table.from_pylist(list(verdicts["lines"]))
    rows = []
    for v in verdicts.get("verdicts", []):
        control = v.get("control") or {}
        rows.append(
            {
                "test": v.get("test"),
                "unit": v.get("unit"),
                "n": v.get("n"),
                "effect": v.get("effect"),
                "ci95_low": v.get("ci95_low"),
                "ci95_high": v.get("ci95_high"),
                "ci_adjusted_low": v.get("ci_adjusted_low"),
                "ci_adjusted_high": v.get("ci_adjusted_high"),
                "p_value": v.get("p_value"),
                "p_holm": v.get("p_holm"),
                "verdict": v.get("verdict"),
                "falsifier": v.get("falsifier"),
                "control_verdict": control.get("verdict"),
                "control_changes_the_verdict": control.get("changes_the_verdict"),
            }
        )
    schema = pa.schema(
        [
            ("test", pa.string()),
            ("unit", pa.string()),
            ("n", pa.int64()),
            ("effect", pa.float64()),
            ("ci95_low", pa.float64()),
            ("ci95_high", pa.float64()),
            ("ci_adjusted_low", pa.float64()),
            ("ci_adjusted_high", pa.float64()),
            ("p_value", pa.float64()),
            ("p_holm", pa.float64()),
            ("verdict", pa.string()),
            ("falsifier", pa.string()),
            ("control_verdict", pa.string()),
            ("control_changes_the_verdict", pa.bool_()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def experiments() -> list[dict[str, Any]]:
    """The experiments: name, the claims they test, the claim in words,
    default replications and design."""
    return [dict(e) for e in _kyoso.experiments()]


def experiment(
    name: str,
    *,
    reps: int | None = None,
    jobs: int | None = None,
    ticks: int | None = None,
    seed: int | None = None,
    set: Mapping[str, Any] | None = None,
    at: Sequence[str] | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    controls: bool = True,
    robustness: int | None = None,
    robustness_reps: int | None = None,
    progress: bool | Callable[[int, int], Any] | None = None,
) -> ExperimentResult:
    """Runs an experiment (``kyoso experiment run NAME``) with its negative
    controls, or the whole suite with ``name="all"``, and returns its
    verdicts. ``set`` overrides the experiment's base scenario, ``at``
    adds schedule entries (``"60:encounters.detect=0.9"``). With
    ``out=None`` it runs in a temporary folder, removed afterwards (the
    report's figures with it); with ``out`` the folder is kept and
    ``resume=True`` continues it. Ctrl-C raises KeyboardInterrupt after the
    runs in progress."""
    sets = [f"{k}={_literal(v)}" for k, v in (set or {}).items()]
    with contextlib.ExitStack() as stack:
        if out is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyoso-experiment-"))) / name
        else:
            folder = Path(out)
        callback, close = _progress_bar(progress, f"kyoso experiment {name}")
        stack.callback(close)
        path = _kyoso._experiment(
            name,
            folder,
            reps=reps,
            jobs=jobs,
            ticks=ticks,
            seed=seed,
            sets=sets,
            at=list(at or []),
            resume=resume,
            controls=controls,
            robustness=robustness,
            robustness_reps=robustness_reps,
            progress=callback,
        )
        path = Path(path)
        verdicts = json.loads((path / "verdicts.json").read_text())
        report = (path / "report.md").read_text()
        return ExperimentResult(name, verdicts, report, path if out is not None else None)
