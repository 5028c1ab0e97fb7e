#!/usr/bin/env bash
# Measures a 10 000-row import (9 000 patients, 1 000 chair blocks, NDJSON)
# over HTTP against the real binary, on SQLite and on PostgreSQL, then the
# same file again (every row unchanged). Prints wall-clock seconds per run.
#
#   scripts/import_bench.sh [rows]      # default 10000
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-10000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chairside-target}"
cargo build --locked -q --release --bin chairside --manifest-path "$root/Cargo.toml"
work="$(mktemp -d "${TMPDIR:-/tmp}/chairside-import.XXXXXX")"
bin="$work/chairside"
cp "$CARGO_TARGET_DIR/release/chairside" "$bin"
admin_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="chairside_import_bench_$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$rows" > "$work/rows.ndjson" <<'PY'
import json, sys
rows = int(sys.argv[1]); blocks = rows // 10
for n in range(rows - blocks):
    print(json.dumps({"kind": "patient", "external_ref": f"MRN-{n}", "display_name": f"P {n}", "consent_on_file": True}))
for n in range(blocks):
    day = 1 + n % 28
    print(json.dumps({"kind": "chair_block", "external_id": f"B-{n}", "chair": "Chair 1",
                      "start": f"2027-{1 + n // 28 % 12:02d}-{day:02d}T{8 + n % 8:02d}:00", "end": f"2027-{1 + n // 28 % 12:02d}-{day:02d}T{9 + n % 8:02d}:00",
                      "reason": "imported"}))
PY

export CHAIRSIDE_RATE_LIMIT_PER_MINUTE=0 CHAIRSIDE_LOG_FORMAT=text RUST_LOG=warn
run() { # backend
  local port key clinic base
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  key="$("$bin" api-key create --role admin --label bench 2>/dev/null)"
  "$bin" serve --bind "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
  pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  clinic="$(curl -fsS -X POST "$base/v1/clinics" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"name": "Import bench", "time_zone": "America/New_York", "hours": {"mon": [{"opens": "08:00", "closes": "18:00"}]}}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
  curl -fsS -X POST "$base/v1/clinics/$clinic/chairs" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"label": "Chair 1", "modalities": ["iv"]}' >/dev/null
  for pass in first again; do
    local t0 t1
    t0="$(date +%s.%N)"
    curl -fsS -X POST "$base/v1/clinics/$clinic/imports" -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/x-ndjson' --data-binary "@$work/rows.ndjson" >"$work/report.json"
    t1="$(date +%s.%N)"
    printf '%s %s: %s rows in %.2f s (%s)\n' "$1" "$pass" "$rows" "$(echo "$t1 - $t0" | bc)" \
      "$(python3 -c 'import json; r = json.load(open("'"$work"'/report.json")); print("patients", r["patients"], "blocks", r["chair_blocks"])')"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

unset DATABASE_URL
export CHAIRSIDE_DATA_DIR="$work/sqlite"
run sqlite
unset CHAIRSIDE_DATA_DIR
psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${admin_url%/*}/$db"
run postgres
