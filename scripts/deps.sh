#!/usr/bin/env bash
# Installs the Debian packages this project needs, and nothing when they are already there.
#   scripts/deps.sh build   what building the service and commentsctl needs
#   scripts/deps.sh test    build + what the whole test suite drives (postgres, podman, registry, …)
#   scripts/deps.sh bench   build + the load tools and peers of scripts/bench.sh
#   scripts/deps.sh demo    build + what scripts/demo.sh runs (the article page's server, curl)
set -euo pipefail

usage() {
  sed -n '2,6s/^# \{0,1\}//p' "$0"
}

build_pkgs=(
  g++ cmake ninja-build git pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  prometheus-cpp-dev libsqlite3-dev libpq-dev libyaml-cpp-dev libssl-dev
  libcli11-dev libspdlog-dev libfmt-dev catch2
)
# Everything the test suite starts for real: databases, registries, container engine, linters.
test_pkgs=(
  curl sqlite3 procps iproute2 postgresql
  podman runc catatonit skopeo debootstrap docker-registry apache2-utils jq
  prometheus shellcheck clang-format clang-tidy bats unzip python3-yaml
  nginx-light wrk hey clang libclang-rt-14-dev python3-flask gunicorn
  chromium python3
)
bench_pkgs=(wrk python3-flask gunicorn nginx-light curl)
demo_pkgs=(python3 curl)

group=${1:-build}
case "$group" in
  -h|--help) usage; exit 0 ;;
  build) wanted=("${build_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) wanted=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  demo) wanted=("${build_pkgs[@]}" "${demo_pkgs[@]}") ;;
  all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}" "${demo_pkgs[@]}") ;;
  *) echo "deps.sh: unknown group '$group' (build, test, bench, demo or all)" >&2; exit 2 ;;
esac

missing=()
# Node.js may come from another source than Debian (its own npm then conflicts with Debian's):
# only ask for Debian's when no node and npm are on PATH.
if [ "$group" != build ] && [ "$group" != demo ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  wanted+=(nodejs npm)
fi
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: apt-get not found; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "deps.sh: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
echo "deps.sh: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
