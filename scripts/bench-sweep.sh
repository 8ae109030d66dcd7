#!/usr/bin/env bash
# Sweep throughput benchmark: runs per second with 1 and 2 threads on the
# default scenario, per-run overhead against the bare model, and peak memory
# against the number of runs. Usage: scripts/bench-sweep.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
cargo build --release -q -p kyoso-cli
bin=target/release/kyoso
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timed() { # prints "seconds maxrss_kb"
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null
  cat "$tmp/time"
}

read -r t1 m1 < <(timed "$bin" sweep silent-rivalry --reps "$RUNS" --jobs 1 --quiet --out "$tmp/j1")
read -r t2 m2 < <(timed "$bin" sweep silent-rivalry --reps "$RUNS" --jobs 2 --quiet --out "$tmp/j2")
cmp -s "$tmp/j1/runs.parquet" "$tmp/j2/runs.parquet" || { echo "jobs 1 and 2 differ!"; exit 1; }

# The bare model: criterion's estimate of one default run.
cargo bench -q -p kyoso-core --bench silent_rivalry -- --noplot '^default$' >"$tmp/bench" 2>/dev/null
model=$(grep -m1 -o 'time: *\[[^]]*\]' \
  "$tmp/bench" | awk '{v=$4; u=$5; if (u=="ms") v/=1000; else if (u=="µs" || u=="us") v/=1e6; print v}')

# Memory against run count: short runs, 10x more of them.
read -r _ ma < <(timed "$bin" sweep silent-rivalry --reps 2000 --ticks 1 --jobs 2 --quiet --out "$tmp/m1")
read -r _ mb < <(timed "$bin" sweep silent-rivalry --reps 20000 --ticks 1 --jobs 2 --quiet --out "$tmp/m2")

awk -v r="$RUNS" -v t1="$t1" -v t2="$t2" -v m="$model" -v ma="$ma" -v mb="$mb" 'BEGIN {
  printf "runs per second, 1 thread:  %.1f\n", r / t1
  printf "runs per second, 2 threads: %.1f  (speed-up %.2fx)\n", r / t2, t1 / t2
  if (m > 0) printf "model time per default run: %.2f ms; sweep time per run (1 thread): %.2f ms; overhead %.1f%%\n", m * 1000, t1 / r * 1000, (t1 / r - m) / (t1 / r) * 100
  printf "peak memory: %d KB for 2,000 runs, %d KB for 20,000 runs\n", ma, mb
}'
