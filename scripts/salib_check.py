#!/usr/bin/env python3
"""kyoso's sensitivity estimators against SALib, on the same designs and outputs.

Usage: python scripts/salib_check.py KYOSO_BINARY

1. `kyoso explore design` makes a Saltelli design (second order) of the
   Ishigami function and a Morris design of a function with interactions;
   the outputs are computed here; `kyoso explore sensitivity` analyses the
   table; SALib analyses the same design and outputs. The estimates must
   agree to 1e-9 (both are deterministic; the bootstrap intervals are
   random in each and are compared only loosely).
2. kyoso's Sobol' sequence must equal scipy's unscrambled Sobol' points
   (both use Joe and Kuo's direction numbers), after the origin.

Exit status 0 when everything agrees, 1 otherwise; prints "N passed, M failed".
"""

import csv
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from scipy.stats import qmc

KYOSO = str(Path(sys.argv[1] if len(sys.argv) > 1 else "target/debug/kyoso").resolve())
passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def kyoso(*args, cwd):
    subprocess.run([KYOSO, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def space_file(path, names, low, high):
    with open(path, "w") as f:
        for n in names:
            f.write(f'[[parameter]]\nkey = "{n}"\nlow = {low}\nhigh = {high}\n\n')


def read_design(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], np.array([[float(v) for v in r] for r in rows[1:]])


def write_results(path, header, x, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header + ["y"])
        with open(path.parent / "d.csv") as d:
            cells = list(csv.reader(d))[1:]
        for cell, value in zip(cells, y):
            w.writerow(cell + [repr(float(value))])


def indices(path):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            out[(r["index"], r["parameter"], r["parameter_2"])] = float(r["estimate"])
    return out


def ishigami(x):
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def sobol_case(tmp):
    names = ["x1", "x2", "x3"]
    space_file(tmp / "space.toml", names, -math.pi, math.pi)
    kyoso("explore", "design", "saltelli", "--model", "none", "--space", "space.toml",
          "--n", "1024", "--second-order", "--seed", "1", "--out", "d.csv", cwd=tmp)
    header, x = read_design(tmp / "d.csv")
    y = ishigami(x)
    write_results(tmp / "results.csv", header, x, y)
    kyoso("explore", "sensitivity", "sobol", "results.csv", "--design", "d.csv",
          "--resamples", "200", "--out", "sobol", cwd=tmp)
    ours = indices(tmp / "sobol" / "indices.csv")
    problem = {"num_vars": 3, "names": names, "bounds": [[-math.pi, math.pi]] * 3}
    theirs = salib_sobol.analyze(problem, y, calc_second_order=True, num_resamples=200, seed=1)
    for i, n in enumerate(names):
        for key in ["S1", "ST"]:
            a, b = ours[(key, n, "")], theirs[key][i]
            check(f"sobol {key} {n}", abs(a - b) < 1e-9, f"kyoso {a} SALib {b}")
        for j in range(i + 1, 3):
            a, b = ours[("S2", n, names[j])], theirs["S2"][i][j]
            check(f"sobol S2 {n},{names[j]}", abs(a - b) < 1e-9, f"kyoso {a} SALib {b}")
    # Intervals: same estimator of the spread, different resamples.
    with open(tmp / "sobol" / "indices.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["index"] == "S1"]
    for i, r in enumerate(rows):
        half = (float(r["ci_high"]) - float(r["ci_low"])) / 2
        conf = theirs["S1_conf"][i]
        check(f"sobol S1_conf {r['parameter']}", 0.5 * conf < half < 2 * conf, f"kyoso {half} SALib {conf}")


def morris_case(tmp):
    names = [f"x{i}" for i in range(1, 6)]
    space_file(tmp / "space.toml", names, 0.0, 2.0)
    kyoso("explore", "design", "morris", "--model", "none", "--space", "space.toml",
          "--n", "30", "--levels", "4", "--optimised-from", "60", "--seed", "2",
          "--out", "d.csv", cwd=tmp)
    header, x = read_design(tmp / "d.csv")
    y = 3 * x[:, 0] - x[:, 1] + x[:, 2] * x[:, 3] + np.sin(3 * x[:, 4])
    write_results(tmp / "results.csv", header, x, y)
    kyoso("explore", "sensitivity", "morris", "results.csv", "--design", "d.csv",
          "--resamples", "500", "--out", "morris", cwd=tmp)
    ours = indices(tmp / "morris" / "indices.csv")
    problem = {"num_vars": 5, "names": names, "bounds": [[0.0, 2.0]] * 5}
    theirs = salib_morris.analyze(problem, x, y, num_levels=4, num_resamples=500, seed=2)
    for i, n in enumerate(names):
        for key in ["mu", "mu_star", "sigma"]:
            a, b = ours[(key, n, "")], theirs[key][i]
            check(f"morris {key} {n}", abs(a - b) < 1e-9 * (1 + abs(b)), f"kyoso {a} SALib {b}")


def sequence_case(tmp):
    names = [f"u{i}" for i in range(1, 9)]
    space_file(tmp / "space.toml", names, 0.0, 1.0)
    kyoso("explore", "design", "sobol-sequence", "--model", "none", "--space", "space.toml",
          "--n", "63", "--out", "d.csv", cwd=tmp)
    _, x = read_design(tmp / "d.csv")
    reference = qmc.Sobol(d=8, scramble=False).random(64)[1:]
    check("sobol sequence = scipy (Joe-Kuo)", np.allclose(x, reference, atol=1e-12),
          f"first row kyoso {x[0]} scipy {reference[0]}")


for case in [sobol_case, morris_case, sequence_case]:
    with tempfile.TemporaryDirectory() as d:
        case(Path(d))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
