#!/usr/bin/env bash
# Builds the comments image from the Dockerfile with podman or docker, whichever is there.
#   scripts/image.sh [options]      builds; prints the image reference on stdout, the rest on stderr
#     --tag REF          image reference (default localhost/comments:<git revision>)
#     --engine ENGINE    podman or docker (default: podman if installed, else a running docker)
#     --revision REV     revision baked in and used in the default tag (default: git, +"-dirty-<hash>")
#     --no-cache         rebuild every layer
#     --print-ref        print the reference that would be built, build nothing
#     --print-engine     print the engine that would be used, build nothing
#     --print-env        prepare podman, print the environment (CONTAINERS_CONF=…) to run it with
#     --prepare          prepare podman and the base image only
#   With podman it first writes .tools/podman/containers.conf (host network, runc, cgroupfs, no
#   ulimits: what this sandbox needs; an existing CONTAINERS_CONF is respected) and, when missing,
#   makes the debian:bookworm-slim base offline with debootstrap (kept in podman's store).
set -euo pipefail

usage() {
  sed -n '2,15s/^# \{0,1\}//p' "$0"
}
die() {
  echo "image.sh: $*" >&2
  exit 1
}
log() {
  echo "image.sh: $*" >&2
}

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # read by scripts/lib/cluster.bash
lib_name=image.sh
# shellcheck source=scripts/lib/cluster.bash
source "$root/scripts/lib/cluster.bash"  # image_revision: the revision and tag of a build
base_image=docker.io/library/debian:bookworm-slim

tag="" engine="" revision="" no_cache=0 action=build
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --tag) tag=${2:?--tag needs a reference}; shift ;;
    --engine) engine=${2:?--engine needs podman or docker}; shift ;;
    --revision) revision=${2:?--revision needs a value}; shift ;;
    --no-cache) no_cache=1 ;;
    --print-ref) action=print-ref ;;
    --print-engine) action=print-engine ;;
    --print-env) action=print-env ;;
    --prepare) action=prepare ;;
    *) echo "image.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

pick_engine() {
  if [ -n "$engine" ]; then
    case "$engine" in
      podman) command -v podman >/dev/null 2>&1 || die "podman not found; install it with: scripts/deps.sh test" ;;
      docker) docker info >/dev/null 2>&1 || die "docker does not answer (is the Docker engine running?)" ;;
      *) echo "image.sh: --engine must be podman or docker, not '$engine'" >&2; exit 2 ;;
    esac
  elif command -v podman >/dev/null 2>&1; then
    engine=podman
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  else
    die "neither podman nor a running docker found; install podman with: scripts/deps.sh test"
  fi
}

# podman settings for this sandbox, in a private file so that a machine's own config is untouched.
prepare_podman_conf() {
  if [ -n "${CONTAINERS_CONF:-}" ]; then
    return
  fi
  local dir="$root/.tools/podman" conf want
  conf="$dir/containers.conf"
  want='# Written by scripts/image.sh: what podman needs in this sandbox (see docs/image.md).
[containers]
default_ulimits = []
netns = "host"
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"'
  mkdir -p "$dir"
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
    printf '%s\n' "$want" >"$conf.tmp"
    mv "$conf.tmp" "$conf"
  fi
  export CONTAINERS_CONF="$conf"
}

# debian:bookworm-slim from Debian's archive, as the official image is made, when podman lacks it.
prepare_base_image() {
  if podman image exists "$base_image"; then
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found; install it with: scripts/deps.sh test"
  [ "$(id -u)" -eq 0 ] || die "making $base_image with debootstrap needs root (or pull it: podman pull $base_image)"
  local mirror="${DEBOOTSTRAP_MIRROR:-http://deb.debian.org/debian}" rootfs started
  rootfs=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: rootfs is local
  trap "rm -rf '$rootfs'" EXIT
  log "making $base_image with debootstrap from $mirror"
  started=$SECONDS
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
    || { tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; die "debootstrap failed"; }
  rm -f "$rootfs.log" "$rootfs/etc/apt/sources.list"
  # The sources of the official image: the release, its updates and security updates.
  printf '%s\n' 'Types: deb' "URIs: $mirror" 'Suites: bookworm bookworm-updates' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' "URIs: ${mirror%/debian}/debian-security" 'Suites: bookworm-security' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$rootfs/etc/apt/sources.list.d/debian.sources"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' - "$base_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "made $base_image in $((SECONDS - started))s"
}

prepare_podman() {
  prepare_podman_conf
  mkdir -p "$root/.tools/podman"
  # One preparation at a time (parallel tests may call this script together).
  exec 9>"$root/.tools/podman/prepare.lock"
  flock 9
  prepare_base_image
  flock -u 9
}

[ -n "$revision" ] || revision=$(image_revision)
[ -n "$tag" ] || tag="localhost/comments:$revision"

case "$action" in
  print-ref) echo "$tag"; exit 0 ;;
  print-engine) pick_engine; echo "$engine"; exit 0 ;;
esac

pick_engine
if [ "$engine" = podman ]; then
  prepare_podman
fi
case "$action" in
  print-env)
    if [ "$engine" = podman ]; then
      echo "CONTAINERS_CONF=$CONTAINERS_CONF"
    fi
    exit 0
    ;;
  prepare) exit 0 ;;
esac

version=$(sed -n 's/^project(comments VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
args=(build -t "$tag" -f "$root/Dockerfile"
  --build-arg "REVISION=$revision" --build-arg "VERSION=${version:-0.0.0}")
if [ "$engine" = podman ]; then
  # docker format: the OCI image format has no HEALTHCHECK. The base image is local (see above).
  args+=(--format docker --pull=never)
fi
if [ "$no_cache" -eq 1 ]; then
  args+=(--no-cache)
fi
log "building $tag with $engine (revision $revision)"
started=$SECONDS
"$engine" "${args[@]}" "$root" >&2
seconds=$((SECONDS - started))
size=$("$engine" image inspect --format '{{.Size}}' "$tag")
log "built $tag in ${seconds}s, size $size bytes ($((size / 1000000)) MB)"
echo "$tag"
