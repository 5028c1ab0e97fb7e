#!/usr/bin/env bash
# Baseline for the store's PostgreSQL booking benchmark
# (crates/store/benches/booking): the same transaction as plain SQL, run by
# pgbench with 1 and 8 clients, in simple and prepared protocol, on a
# scratch database that the migrations create and this script drops.
#
#   scripts/bench-store-pgbench.sh            # 10 s per run
#   BENCH_SECONDS=30 scripts/bench-store-pgbench.sh
#
# The statements are crates/store/benches/booking/transaction.sql, which
# the benchmark's plain SQLite loop runs too; below, its :name parameters
# become pgbench variables (numbers) or SQL expressions (text, instants).
# Like the Rust benchmark, each run books every course for a patient of its
# own, from BENCH_PATIENTS patients inserted for it (default 20000 per
# second of run).
#
# Uses BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
admin_url="${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
seconds="${BENCH_SECONDS:-10}"
patients="${BENCH_PATIENTS:-$((20000 * seconds))}"
db="chairside_bench_pgbench_$$"
url="${admin_url%/*}/$db"
script="$(mktemp)"

psql "$admin_url" -qc "CREATE DATABASE $db"
trap 'rm -f "$script"; psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT

for up in "$root"/migrations/postgres/*/up.sql; do
  psql "$url" -v ON_ERROR_STOP=1 -q -f "$up"
done
psql "$url" -v ON_ERROR_STOP=1 -q <<'SQL'
INSERT INTO clinics (name, time_zone, opening_hours, settings, created_at, updated_at)
  VALUES ('Bench', 'UTC', '{}', '{}', localtimestamp(0), localtimestamp(0));
INSERT INTO chairs (clinic_id, label, modalities, position, created_at, updated_at)
  VALUES (1, 'A', '["iv_ketamine"]', 0, localtimestamp(0), localtimestamp(0));
INSERT INTO protocols (clinic_id, code, name, latest_revision, created_at, updated_at)
  VALUES (1, 'p', 'P', 1, localtimestamp(0), localtimestamp(0));
INSERT INTO protocol_versions (clinic_id, protocol_id, revision, definition, created_at)
  VALUES (1, 1, 1, '{"phases": []}', localtimestamp(0));
SQL

# A course.booked payload of the size the store writes.
payload='{"course_id":100000,"patient_id":1,"protocol_version_id":1,"sessions":[{"id":1000000,"phase_index":0,"sequence":1,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000001,"phase_index":0,"sequence":2,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000002,"phase_index":0,"sequence":3,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000003,"phase_index":0,"sequence":4,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000004,"phase_index":0,"sequence":5,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"},{"id":1000005,"phase_index":0,"sequence":6,"chair_id":1,"starts_at":"2030-01-01T02:00:00Z","ends_at":"2030-01-01T03:30:00Z"}]}'
# Session N of a course starts 2 × (6 × course id + N - 1) hours after
# 2030-01-01, so no two bookings overlap.
slot="TIMESTAMP '2030-01-01 00:00:00' + ((:course_id)::bigint * 6 + \\1 - 1) * INTERVAL '2 hours'"
{
  # The client's n-th transaction books for its own patient.
  echo '\set patient_id :first_patient + :n * :clients + :client_id'
  echo '\set n :n + 1'
  echo 'BEGIN;'
  # The first statement (the course) ends in \gset instead of a semicolon:
  # its id comes back as :course_id.
  sed '/^--/d' "$root/crates/store/benches/booking/transaction.sql" \
    | awk '!done && /;$/ { sub(/;$/, ""); print; print "\\gset course_"; done = 1; next } { print }' \
    | sed -e "s|:modality|'iv'|g" \
          -e "s|:now|localtimestamp(0)|g" \
          -e "s|:event_id|'evt_' \|\| md5(random()::text)|g" \
          -e "s|:payload|'$payload'|g" \
          -e "s|:starts_\([1-6]\)|($slot)|g" \
          -e "s|:ends_\([1-6]\)|($slot + INTERVAL '90 minutes')|g"
  echo 'END;'
} > "$script"

for clients in 1 8; do
  for mode in simple prepared; do
    first=$(psql "$url" -v ON_ERROR_STOP=1 -Atq <<SQL
WITH added AS (
  INSERT INTO patients (clinic_id, external_ref, display_name, preferences, consent_on_file,
      escort_confirmed, created_at, updated_at)
    SELECT 1, 'MRN-$mode-$clients-' || i, 'P' || i, '{}', TRUE, TRUE, localtimestamp(0), localtimestamp(0)
    FROM generate_series(1, $patients) i
    RETURNING id)
SELECT min(id) FROM added;
SQL
)
    out=$(pgbench -n -f "$script" -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" -M "$mode" -T "$seconds" \
      -D n=0 -D clients="$clients" -D first_patient="$first" \
      -D clinic_id=1 -D chair_id=1 -D protocol_version_id=1 "$url" 2>&1) \
      || { echo "$out" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
    printf 'postgres   pgbench -M %-8s       %7s %12.0f\n' "$mode" "$clients" "$tps"
  done
done
