#!/usr/bin/env python3
"""Generate kyoso-classic's reference fixtures from the axelrod library.

Usage:  python3 scripts/axelrod_fixtures.py [--no-venv] [--reps N]

Creates .venv-axelrod/ beside the repository root (unless --no-venv is given
and axelrod is importable), installs `axelrod` from PyPI into it, re-runs
itself there and writes, into crates/kyoso-classic/tests/fixtures/:

  deterministic.json  every pair of deterministic strategies (self-play
                      included), the moves of both players for several turn
                      counts and three games, plus matches where the length
                      is announced as unknown (as with prob_end).
  stochastic.json     for stochastic strategies against a panel of
                      opponents: mean and standard deviation over seeds of
                      each side's cooperation rate and score per turn.
  axelrod_first.json  Axelrod's first tournament (200 turns): every player's
                      mean normalised score over the repetitions, the
                      median-based ranking and the library's version.
  evolution.json      Moran processes (fixation frequencies over many
                      seeds) and the ecological variant (population shares
                      of deterministic players, which are exact).

kyoso's tests read these files; no Python is needed to run the tests.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "kyoso-classic" / "tests" / "fixtures"
VENV = ROOT / ".venv-axelrod"


def ensure_venv():
    if "--no-venv" in sys.argv or os.environ.get("KYOSO_FIXTURES_IN_VENV"):
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "axelrod"], check=True)
    env = dict(os.environ, KYOSO_FIXTURES_IN_VENV="1")
    sys.exit(subprocess.run([str(python), __file__, *sys.argv[1:]], env=env).returncode)


ensure_venv()

import re  # noqa: E402

import axelrod as axl  # noqa: E402

KEBAB = {
    "Cooperator": "cooperator",
    "Defector": "defector",
    "TitForTat": "tit-for-tat",
    "TitFor2Tats": "tit-for-2-tats",
    "TwoTitsForTat": "two-tits-for-tat",
    "Grudger": "grudger",
    "SuspiciousTitForTat": "suspicious-tit-for-tat",
    "Alternator": "alternator",
    "WinStayLoseShift": "win-stay-lose-shift",
    "GoByMajority": "go-by-majority",
    "HardGoByMajority": "hard-go-by-majority",
    "Bully": "bully",
    "Prober": "prober",
    "HardTitForTat": "hard-tit-for-tat",
    "CyclerCCD": "cycler-ccd",
    "AntiTitForTat": "anti-tit-for-tat",
    "Appeaser": "appeaser",
    "ForgivingTitForTat": "forgiving-tit-for-tat",
    "Handshake": "handshake",
    "Random": "random",
    "GTFT": "gtft",
    "FirstByTidemanAndChieruzzi": "first-by-tideman-and-chieruzzi",
    "FirstByNydegger": "first-by-nydegger",
    "FirstByGrofman": "first-by-grofman",
    "FirstByShubik": "first-by-shubik",
    "FirstBySteinAndRapoport": "first-by-stein-and-rapoport",
    "FirstByDavis": "first-by-davis",
    "FirstByGraaskamp": "first-by-graaskamp",
    "FirstByDowning": "first-by-downing",
    "FirstByFeld": "first-by-feld",
    "FirstByJoss": "first-by-joss",
    "FirstByTullock": "first-by-tullock",
    "FirstByAnonymous": "first-by-anonymous",
}


def kebab(cls):
    """The class name in kebab-case; checked against the table above."""
    name = cls.__name__
    auto = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()
    return KEBAB.get(name, auto)


CLASSES = [getattr(axl, name) for name in KEBAB]
GAMES = [(3, 0, 5, 1), (2, 0, 3, 1), (1.5, -1, 5, 0)]
TURNS = {0: [1, 2, 3, 10, 25, 63, 200], 1: [10, 63, 200], 2: [10, 63, 200]}


def moves(result):
    a = "".join(str(x) for x, _ in result)
    b = "".join(str(y) for _, y in result)
    return a, b


def deterministic():
    det = [c for c in CLASSES if not axl.Classifiers["stochastic"](c())]
    matches = []
    for gi, (r, s, t, p) in enumerate(GAMES):
        game = axl.Game(r=r, s=s, t=t, p=p)
        for i, ca in enumerate(det):
            for cb in det[i:]:
                for turns in TURNS[gi]:
                    m = axl.Match((ca(), cb()), turns=turns, game=game)
                    a, b = moves(m.play())
                    matches.append({"game": gi, "turns": turns, "a": kebab(ca), "b": kebab(cb), "moves_a": a, "moves_b": b})
    # Length announced as unknown (what players are told when prob_end is set).
    unknown = []
    game = axl.Game()
    for i, ca in enumerate(det):
        for cb in det[i:]:
            attrs = {"length": float("inf"), "game": game, "noise": 0}
            m = axl.Match((ca(), cb()), turns=200, game=game, match_attributes=attrs)
            a, b = moves(m.play())
            unknown.append({"game": 0, "turns": 200, "a": kebab(ca), "b": kebab(cb), "moves_a": a, "moves_b": b})
    return {
        "axelrod_version": axl.__version__,
        "games": GAMES,
        "strategies": [kebab(c) for c in det],
        "matches": matches,
        "unknown_length": unknown,
    }


def mean_sd(xs):
    n = len(xs)
    m = sum(xs) / n
    v = sum((x - m) ** 2 for x in xs) / (n - 1)
    return m, v ** 0.5


def stochastic(seeds=200, turns=200):
    sto = [c for c in CLASSES if axl.Classifiers["stochastic"](c())]
    panel = [axl.Cooperator, axl.Defector, axl.TitForTat, axl.Grudger, axl.Alternator, axl.WinStayLoseShift,
             axl.FirstByTidemanAndChieruzzi, axl.FirstByDowning]
    rows = []
    for gi in (0, 2):
        r, s, t, p = GAMES[gi]
        game = axl.Game(r=r, s=s, t=t, p=p)
        for ca in sto:
            for cb in panel + sto:
                coop_a, coop_b, score_a, score_b = [], [], [], []
                for seed in range(seeds):
                    m = axl.Match((ca(), cb()), turns=turns, game=game, seed=seed)
                    m.play()
                    ca_, cb_ = m.normalised_cooperation()
                    sa, sb = m.final_score_per_turn()
                    coop_a.append(ca_); coop_b.append(cb_); score_a.append(sa); score_b.append(sb)
                row = {"game": gi, "turns": turns, "seeds": seeds, "a": kebab(ca), "b": kebab(cb)}
                for key, xs in (("coop_a", coop_a), ("coop_b", coop_b), ("score_a", score_a), ("score_b", score_b)):
                    row[key + "_mean"], row[key + "_sd"] = mean_sd(xs)
                rows.append(row)
    return {"axelrod_version": axl.__version__, "games": GAMES, "matches": rows}


def axelrod_first(reps):
    players = [c() for c in axl.axelrod_first_strategies]
    t = axl.Tournament(players, turns=200, repetitions=reps, seed=1)
    res = t.play(progress_bar=False, processes=None)
    names = [kebab(c) for c in axl.axelrod_first_strategies]
    ns = res.normalised_scores
    return {
        "axelrod_version": axl.__version__,
        "turns": 200,
        "repetitions": reps,
        "players": names,
        "mean_normalised_score": [sum(x) / len(x) for x in ns],
        "sd_normalised_score": [mean_sd(x)[1] for x in ns],
        "median_normalised_score": [sorted(x)[len(x) // 2] if len(x) % 2 else sum(sorted(x)[len(x) // 2 - 1:len(x) // 2 + 1]) / 2 for x in ns],
        "ranking": [names[i] for i in res.ranking],
        "cooperation_rating": res.cooperating_rating,
        "wins": [sum(w) for w in res.wins],
    }


def evolution(seeds=1000):
    moran = []
    cases = [
        ([axl.TitForTat] * 2 + [axl.Defector] * 2, 50),
        ([axl.Cooperator] * 3 + [axl.Defector], 20),
        ([axl.Grudger, axl.Alternator, axl.WinStayLoseShift, axl.Bully], 30),
    ]
    for classes, turns in cases:
        counts = {}
        steps = []
        for seed in range(seeds):
            mp = axl.MoranProcess([c() for c in classes], turns=turns, seed=seed)
            mp.play()
            winner = kebab(type(mp.players[0]))
            counts[winner] = counts.get(winner, 0) + 1
            steps.append(len(mp) - 1)
        moran.append({
            "population": [kebab(c) for c in classes],
            "turns": turns,
            "seeds": seeds,
            "fixations": counts,
            "mean_steps": sum(steps) / len(steps),
        })
    ecological = []
    for classes, turns, generations in [
        ([axl.Cooperator, axl.Defector, axl.TitForTat, axl.Grudger], 50, 100),
        ([axl.TitForTat, axl.Alternator, axl.Bully, axl.WinStayLoseShift, axl.SuspiciousTitForTat], 30, 200),
    ]:
        players = [c() for c in classes]
        results = axl.Tournament(players, turns=turns, repetitions=1, seed=0).play(progress_bar=False)
        eco = axl.Ecosystem(results)
        eco.reproduce(generations)
        ecological.append({
            "players": [kebab(c) for c in classes],
            "turns": turns,
            "generations": generations,
            "shares": eco.population_sizes[-1],
        })
    return {"axelrod_version": axl.__version__, "moran": moran, "ecological": ecological}


def write(name, data):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / name
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    reps = 200
    if "--reps" in sys.argv:
        reps = int(sys.argv[sys.argv.index("--reps") + 1])
    for cls in CLASSES:
        assert kebab(cls) == KEBAB[cls.__name__]
    only = [a for a in sys.argv[1:] if a in ("deterministic", "stochastic", "axelrod-first", "evolution")]
    if not only or "deterministic" in only:
        write("deterministic.json", deterministic())
    if not only or "stochastic" in only:
        write("stochastic.json", stochastic())
    if not only or "axelrod-first" in only:
        write("axelrod_first.json", axelrod_first(reps))
    if not only or "evolution" in only:
        write("evolution.json", evolution())
