"""The classic cooperation models kyoso ships as validated baselines.

Each function is one call into the same Rust code as the command line
(``kyoso match``, ``tournament``, ``moran``, ``spatial-pd``,
``ethnocentrism``) and returns the same tables as ``pyarrow.Table`` objects.
``spatial_pd``, ``ethnocentrism`` and ``tournament`` take the parameter keys
of ``kyoso sweep MODEL --set key=value`` as keyword arguments (an unknown
key raises ``kyoso.ScenarioError`` naming the nearest one).

>>> from kyoso import classic
>>> classic.match("tit-for-tat", "defector", turns=5)["moves_b"]
'DDDDD'
>>> classic.spatial_pd(size=50, b=1.9, steps=40).steps.to_pandas()
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pyarrow as pa

from . import _kyoso

__all__ = ["ClassicResult", "strategies", "match", "tournament", "moran", "spatial_pd", "ethnocentrism"]

Game = Sequence[float]


class ClassicResult:
    """A classic model's run: its tables (also as attributes, e.g.
    ``result.ranking``), ``summary`` (the headline of the command line's
    summary.json) and, for the lattice models, the final ``lattice``."""

    def __init__(self, model: str, tables: dict[str, pa.Table], summary: dict, lattice: list | None = None) -> None:
        self.model = model
        self.tables = tables
        self.summary = summary
        self.lattice = lattice

    def __getattr__(self, name: str) -> pa.Table:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"{self.model} has no table {name!r}; it has {', '.join(tables)}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.tables))

    def __repr__(self) -> str:
        return f"ClassicResult({self.model}, tables: {', '.join(self.tables)})"


def strategies() -> list[dict[str, Any]]:
    """Every iterated prisoner's dilemma strategy: name (the axelrod
    library's class name in kebab-case), rule, and what it reads."""
    return list(_kyoso.strategies())


def match(
    a: str,
    b: str,
    *,
    turns: int = 200,
    game: Game = (3.0, 0.0, 5.0, 1.0),
    noise: float = 0.0,
    prob_end: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """One match between strategies ``a`` and ``b``: the moves as ``C``/``D``
    text and the scores (``kyoso match A B --json``). ``game`` is (R, S, T, P)."""
    return dict(
        _kyoso.play_match(a, b, turns=turns, game=list(game), noise=noise, prob_end=prob_end, seed=seed)
    )


def tournament(
    players: Sequence[str] | None = None,
    *,
    preset: str | None = None,
    ecological: bool = False,
    generations: int = 1000,
    **params: Any,
) -> ClassicResult:
    """A round-robin tournament with self-play, ranked as the axelrod
    library ranks it: tables ``ranking``, ``matches``, ``payoff_matrix``
    (and ``ecology`` with ``ecological=True``, over ``generations``).
    ``players`` (strategy names) or ``preset`` (``classic``, the default,
    or ``axelrod-first``); ``params``: turns, repetitions, noise, prob_end,
    game, seed."""
    if players is not None:
        if preset is not None:
            raise ValueError("give players or preset, not both")
        params["players"] = ",".join(players)
    tables, summary = _kyoso.tournament_run(preset, params, generations if ecological else None)
    return ClassicResult("tournament", dict(tables), summary)


def moran(
    population: Mapping[str, int] | Sequence[str],
    *,
    turns: int = 200,
    game: Game = (3.0, 0.0, 5.0, 1.0),
    noise: float = 0.0,
    prob_end: float | None = None,
    mutation_rate: float = 0.0,
    max_steps: int = 10_000,
    seed: int = 0,
) -> ClassicResult:
    """A Moran process: ``population`` as ``{"tit-for-tat": 5, "defector": 5}``
    or a list of names (one individual each). Table ``populations``; the
    summary says whether and to what it fixated."""
    if isinstance(population, Mapping):
        pairs = [(str(k), int(v)) for k, v in population.items()]
    else:
        pairs = [(str(s), 1) for s in population]
    tables, summary = _kyoso.moran(
        pairs,
        turns=turns,
        game=list(game),
        noise=noise,
        prob_end=prob_end,
        mutation_rate=mutation_rate,
        max_steps=max_steps,
        seed=seed,
    )
    return ClassicResult("moran", dict(tables), summary)


def spatial_pd(preset: str | None = None, **params: Any) -> ClassicResult:
    """Nowak and May's spatial prisoner's dilemma. ``preset``: ``nowak-may``
    (the default: 200×200, b = 1.85, 200 steps) or ``mesa-pd-grid``;
    ``params``: size, b, reward, sucker, punishment, steps, defectors,
    neighbourhood, self_interaction, update, score, seed. Table ``steps``
    (the cooperator fraction after each step); ``lattice`` holds the final
    rows, 1 = C and 0 = D."""
    tables, summary, lattice = _kyoso.spatial_pd(preset, params)
    return ClassicResult("spatial-pd", dict(tables), summary, lattice)


def ethnocentrism(**params: Any) -> ClassicResult:
    """Hammond and Axelrod's evolution of ethnocentrism, with the paper's
    parameters by default; ``params``: size, periods, tags, immigrants,
    base_ptr, cost, benefit, mutation, death, seed. Table ``periods``;
    ``lattice`` holds the final rows of (tag, strategy) or None for empty."""
    tables, summary, lattice = _kyoso.ethnocentrism_run(params)
    return ClassicResult("ethnocentrism", dict(tables), summary, lattice)
