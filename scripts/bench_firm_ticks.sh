#!/usr/bin/env bash
# Benchmark of `kyoso run --firm-ticks` (issue 16): a 10,000-firm,
# 120-month run with and without firm_ticks.parquet, in alternating rounds
# (this machine is noisy), with each run's wall time and peak memory.
# Usage: scripts/bench_firm_ticks.sh [path/to/kyoso] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/kyoso}"
ROUNDS="${2:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The default scenario scaled to 10,000 firms (kyoso_core::silent_rivalry_scaled).
SCALE=(--set origins.JP.firms=5000 --set origins.LOCAL.firms=3333 --set origins.OTHER.firms=1667
       --set market.demand0=16666.666666666668 --set population.entry_rate=50 --ticks 120 --seed 1)
measure() { # label, extra flags…
  local label="$1"; shift
  local out="$WORK/$label-$RANDOM"
  python3 - "$BIN" "$out" "$@" "${SCALE[@]}" <<'PY'
import resource, subprocess, sys, time
bin, out, *flags = sys.argv[1:]
start = time.perf_counter()
subprocess.run([bin, "run", "--quiet", "--out", out, *flags], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.3f} {peak:.0f}")
PY
}
for round in $(seq 1 "$ROUNDS"); do
  read -r t0 m0 < <(measure plain)
  read -r t1 m1 < <(measure firm-ticks --firm-ticks)
  printf 'round %d: plain %6.2f s (%4.0f MiB); --firm-ticks %6.2f s (%4.0f MiB): %+.0f %%\n' \
    "$round" "$t0" "$m0" "$t1" "$m1" "$(python3 -c "print(($t1 / $t0 - 1) * 100)")"
done
