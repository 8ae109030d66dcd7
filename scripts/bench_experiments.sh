#!/usr/bin/env bash
# Benchmark of the claims suite (issue 15), with a release build: the
# whole suite with default replications and every negative control, and
# one experiment with a 64-point robustness map; each twice, alternating
# (this machine is noisy). Usage: scripts/bench_experiments.sh [path/to/kyoso]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/kyoso}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e - $s)"; }
for round in 1 2; do
  suite=$(seconds "$BIN" experiment run all --quiet --out "$WORK/suite-$round")
  robust=$(seconds "$BIN" experiment run veneer --robustness 64 --quiet --out "$WORK/veneer-$round")
  runs=$(python3 -c "import json;print(json.load(open('$WORK/veneer-$round/verdicts.json'))['robustness']['runs'])")
  printf 'round %d: suite (10 experiments, 23 tests, controls) %6.2f s; veneer --robustness 64 (%s map runs) %6.2f s\n' \
    "$round" "$suite" "$runs" "$robust"
done
