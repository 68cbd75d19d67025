#!/usr/bin/env bash
# The image.build fixture: builds the image once with scripts/image.sh and writes its reference
# to the file given as the first argument, for the bats suites that run and push it. The image
# the previous run built, when its reference differs, is removed so that runs on one machine do
# not pile up images (the layer cache stays).
set -euo pipefail
out=${1:?usage: build.sh REF_FILE}
root=$(cd "$(dirname "$0")/../.." && pwd)
previous=$(cat "$out" 2>/dev/null || true)
rm -f "$out"
ref=$("$root/scripts/image.sh" --engine podman)
if [ -n "$previous" ] && [ "$previous" != "$ref" ]; then
  env_line=$("$root/scripts/image.sh" --engine podman --print-env)
  if [ -n "$env_line" ]; then
    export "${env_line?}"
  fi
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
echo "$ref" >"$out"
