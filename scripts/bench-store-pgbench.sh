#!/usr/bin/env bash
# Baseline for the store's PostgreSQL booking benchmark
# (crates/store/benches/booking): the same transaction as plain SQL
# (scripts/bench-store-pgbench.sql), run by pgbench with 1 and 8 clients on
# a scratch database that the migrations create and this script drops.
#
#   scripts/bench-store-pgbench.sh            # 10 s per run
#   BENCH_SECONDS=30 scripts/bench-store-pgbench.sh
#
# Uses BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
admin_url="${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
seconds="${BENCH_SECONDS:-10}"
db="chairside_bench_pgbench_$$"
url="${admin_url%/*}/$db"

psql "$admin_url" -qc "CREATE DATABASE $db"
trap 'psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT

for up in "$root"/migrations/postgres/*/up.sql; do
  psql "$url" -v ON_ERROR_STOP=1 -q -f "$up"
done
psql "$url" -v ON_ERROR_STOP=1 -q <<'SQL'
INSERT INTO clinics (name, time_zone, opening_hours, settings, created_at, updated_at)
  VALUES ('Bench', 'UTC', '{}', '{}', localtimestamp(0), localtimestamp(0));
INSERT INTO chairs (clinic_id, label, modalities, position, created_at, updated_at)
  VALUES (1, 'A', '["iv_ketamine"]', 0, localtimestamp(0), localtimestamp(0));
INSERT INTO patients (clinic_id, external_ref, display_name, preferences, created_at, updated_at)
  VALUES (1, 'MRN-1', 'P', '{}', localtimestamp(0), localtimestamp(0));
INSERT INTO protocols (clinic_id, code, name, latest_revision, created_at, updated_at)
  VALUES (1, 'p', 'P', 1, localtimestamp(0), localtimestamp(0));
INSERT INTO protocol_versions (clinic_id, protocol_id, revision, definition, created_at)
  VALUES (1, 1, 1, '{"phases": []}', localtimestamp(0));
SQL

for clients in 1 8; do
  for mode in simple prepared; do
    tps=$(pgbench -n -f "$root/scripts/bench-store-pgbench.sql" -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" \
      -M "$mode" -T "$seconds" "$url" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    printf 'postgres   pgbench -M %-8s       %7s %12.0f\n' "$mode" "$clients" "$tps"
  done
done
