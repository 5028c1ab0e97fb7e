#!/usr/bin/env bash
# Validates the FHIR view with an independent validator: the real binary on
# a fresh SQLite data directory, seeded through the REST API, read back
# through /fhir/r4 and checked by the `fhir.resources` R4B models plus the
# required code bindings (scripts/fhir_validate.py). HAPI FHIR's validator
# would be the stricter second opinion, but it ships from Maven Central,
# which this machine's registries do not reach.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Pinned: a new release may judge differently; raise the pin on purpose.
version="8.1.0"
venv="${FHIR_VALIDATOR_VENV:-/var/tmp/chairside-fhir-venv}"
if ! "$venv/bin/python" -c "import fhir.resources, sys; sys.exit(fhir.resources.__version__ != '$version')" 2>/dev/null; then
  echo "installing fhir.resources $version into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "fhir.resources==$version"
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chairside-target}"
cargo build --locked -q --bin chairside --manifest-path "$root/Cargo.toml"
work="$(mktemp -d "${TMPDIR:-/tmp}/chairside-fhir.XXXXXX")"
bin="$work/chairside"
cp "$CARGO_TARGET_DIR/debug/chairside" "$bin"
server_pid=""
finish() {
  local status=$?
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "fhir: failed; server log in $work" >&2; fi
  exit "$status"
}
trap finish EXIT

unset DATABASE_URL
export CHAIRSIDE_DATA_DIR="$work/data" CHAIRSIDE_RATE_LIMIT_PER_MINUTE=0 CHAIRSIDE_LOG_FORMAT=text
key="$("$bin" api-key create --role admin --label fhir 2>/dev/null)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --bind "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$venv/bin/python" "$root/scripts/fhir_validate.py" "http://127.0.0.1:$port" "$key"
