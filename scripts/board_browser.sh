#!/usr/bin/env bash
# The board in a real browser: Debian's Chromium, driven by Playwright
# (Python), against the real binary on a fresh SQLite data directory with a
# clinic clock file; axe-core checks accessibility. Installs what it needs
# (the chromium package, a venv with Playwright, axe-core from npm), all
# pinned; Playwright's own browser download is never used. Screenshots go to
# docs/ (board-day.png, board-course.png).
#
#   scripts/board_browser.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
playwright_version="1.65.3"
axe_version="4.11.0"
venv="${BOARD_VENV:-/var/tmp/chairside-board-venv}"
axe_dir="${BOARD_AXE_DIR:-/var/tmp/chairside-axe}"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null)" != "$playwright_version" ]; then
  echo "installing Playwright $playwright_version into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "playwright==$playwright_version"
fi
if [ "$(node -p "require('$axe_dir/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$axe_version" ]; then
  echo "installing axe-core $axe_version into $axe_dir"
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-audit --no-fund -s "axe-core@$axe_version" >/dev/null
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/chairside-target}"
cargo build --locked -q --bin chairside --manifest-path "$root/Cargo.toml"
work="$(mktemp -d "${TMPDIR:-/tmp}/chairside-board.XXXXXX")"
bin="$work/chairside"
cp "$CARGO_TARGET_DIR/debug/chairside" "$bin"
pid=""
finish() {
  local status=$?
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "board: failed; server log in $work" >&2; fi
  exit "$status"
}
trap finish EXIT

unset DATABASE_URL
export CHAIRSIDE_DATA_DIR="$work/data" CHAIRSIDE_CLOCK_FILE="$work/clock" CHAIRSIDE_RATE_LIMIT_PER_MINUTE=0
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/clock"
key="$("$bin" api-key create --role admin --label board 2>/dev/null)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --bind "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$venv/bin/python" "$root/tests/browser/board_test.py" "http://127.0.0.1:$port" "$key" "$work/clock" \
  "$axe_dir/node_modules/axe-core/axe.min.js" "${BOARD_SHOTS:-$root/docs}"
