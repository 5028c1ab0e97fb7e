#!/usr/bin/env bash
# The performance report's figures, in one command: builds the release
# `chairside` and `chairside-load`, then runs chairside-load, which starts
# the server itself on fresh SQLite and PostgreSQL databases (created and
# dropped), drives it over 127.0.0.1, and runs the booking transaction
# alone (pgbench, and a direct SQLite loop) for comparison.
#
#   scripts/perf.sh                     # every scenario × SQLite/PostgreSQL × 1/8/32 clients, plus the baselines
#   scripts/perf.sh scale               # availability/day-sheet latency at 10k, 100k, 1M sessions stored
#   scripts/perf.sh run --scenario book --backend postgres --clients 8    # any chairside-load arguments
#   scripts/perf.sh run --scenario book --rounds 3    # booking and the database alone, back to back, 3 times
#   PERF_SECONDS=2 scripts/perf.sh      # a smoke run
#
# Environment: PERF_SECONDS (seconds measured per run, default 10),
# PERF_WARMUP_SECONDS (default 2), PERF_DATABASE_URL (a PostgreSQL URL
# whose user may create databases; default postgres://postgres@127.0.0.1:5432/postgres),
# PERF_OUT (directory for the results; default <target dir>/perf).
# Needs psql and pgbench for PostgreSQL. Prints the markdown report and
# writes it, with the JSON results, to PERF_OUT. Scratch databases are
# named chairside_load_<pid>_*; an interrupted run may leave some behind
# (psql -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'chairside_load_%'").
# `chairside-load --help` lists every option.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cargo build --release --locked -p chairside -p chairside-load
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
out="${PERF_OUT:-$target/perf}"
mkdir -p "$out"

mode="${1:-run}"
[ $# -gt 0 ] && shift
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json="$out/perf-$mode-$stamp.json"
md="$out/perf-$mode-$stamp.md"

{
  echo "## Chairside performance ($mode)"
  echo
  echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)'), $(uname -srm), $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
} | tee "$md"
"$target/release/chairside-load" "$mode" --server "$target/release/chairside" --out "$json" "$@" | tee -a "$md"
echo "report: $md" >&2
