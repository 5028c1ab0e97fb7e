#!/usr/bin/env bash
# A simulated month of a busy clinic, with backfill off and then on, over
# HTTP against the real binary (the e2e scenario
# `backfill::month::a_busy_month_with_and_without_backfill`), on SQLite and
# on PostgreSQL. Prints the figures: chair hours used and recovered,
# offers made and taken, at-risk courses saved and left at the end.
#
#   scripts/backfill_month.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chairside-target}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cd "$root"
for backend in sqlite postgres; do
  echo "== $backend"
  cargo test --locked -q -p chairside --test e2e "a_busy_month_with_and_without_backfill::$backend" \
    -- --include-ignored --nocapture 2>&1 | grep -E "BACKFILL MONTH|test result"
done
