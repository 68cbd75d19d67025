#!/usr/bin/env bash
# Installs what is missing, builds the dev preset (debug, -Werror) and runs every test with CTest.
#   scripts/test.sh [ctest arguments…]     e.g. scripts/test.sh -L unit
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,3s/^# \{0,1\}//p' "$0"
  exit 0
fi
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev -j2 "$@"
