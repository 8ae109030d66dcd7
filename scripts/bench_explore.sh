#!/usr/bin/env bash
# Benchmark of `kyoso explore` (issue 14), with a release build:
#  1. a Morris screen of 30 parameters (the first 30 of the plausible
#     space), 20 trajectories chosen from 100, 10 replications of the
#     default market: 6,200 runs; its wall time;
#  2. the time of design generation and of the analysis of five headline
#     metrics, as a share of the sweep's time (target: under 1 %).
# The timings come from the run's own analysis/summary.json (`seconds`).
# Usage: scripts/bench_explore.sh [path/to/kyoso] [jobs]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/release/kyoso}"
JOBS="${2:-$(nproc)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The first 30 parameters of the plausible space, as a space file.
"$BIN" explore design lhs --space plausible --n 2 --out "$WORK/p.csv" >/dev/null
python3 - "$WORK/p.csv.json" "$WORK/space30.toml" <<'EOF'
import json, sys
space = json.load(open(sys.argv[1]))["space"]["parameters"][:30]
with open(sys.argv[2], "w") as f:
    for p in space:
        f.write('[[parameter]]\nkey = "%s"\n' % p["key"])
        f.write('distribution = "%s"\n' % p["distribution"])
        f.write("low = %r\nhigh = %r\n\n" % (p["low"], p["high"]))
EOF

METRICS=(--metric expectation_gap_naive_ingroup --metric exits --metric capability_mean_final
         --metric market_share_JP --metric profit_rate_calibrated_minus_naive_ingroup)
start=$(date +%s.%N)
"$BIN" explore run morris silent-rivalry --space "$WORK/space30.toml" --n 20 --optimised-from 100 \
  --reps 10 --jobs "$JOBS" "${METRICS[@]}" --out "$WORK/m30" -q >/dev/null
end=$(date +%s.%N)
python3 - "$WORK/m30/analysis/summary.json" "$start" "$end" "$JOBS" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
t = s["seconds"]
wall = float(sys.argv[3]) - float(sys.argv[2])
extra = t["design"] + t["analysis"]
print(f"Morris screen: 30 parameters x 20 trajectories x 10 reps = {s['runs']} runs on {sys.argv[4]} threads")
print(f"  whole command  {wall:8.2f} s")
print(f"  design         {t['design']:8.3f} s")
print(f"  sweep          {t['sweep']:8.2f} s")
print(f"  analysis       {t['analysis']:8.3f} s  (5 metrics, 1,000 bootstrap resamples)")
print(f"  design + analysis = {100 * extra / t['sweep']:.2f} % of the sweep (target: under 1 %)")
rest = wall - t["sweep"]
print(f"  everything but the sweep (start, design, reading, analysis, report.html with 15 figures) = {rest:.3f} s, {100 * rest / t['sweep']:.2f} %")
EOF
