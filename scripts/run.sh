#!/usr/bin/env bash
# Quick start: installs what is missing, builds the release preset and runs comments-service on
# port 8000 with its embedded default storage (SQLite in ./data/). Extra arguments go to the service.
#   scripts/run.sh [comments-service flags…]     e.g. scripts/run.sh --log-format text
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,4s/^# \{0,1\}//p' "$0"
  echo "Service flags: build/release/bin/comments-service --help (after one run)"
  exit 0
fi
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target comments-service
exec build/release/bin/comments-service "$@"
