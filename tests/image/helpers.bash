# Shared by the image's bats files: the image built by the image.build fixture, the engine
# settings scripts/image.sh prepared, and helpers to run the image and talk to it over loopback.
# shellcheck shell=bash
# shellcheck disable=SC2034  # ROOT and REVISION are read by the bats files that load this.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# Loads the reference written by build.sh and the podman settings (host network, runc, …).
load_image() {
  [ -n "${IMAGE_REF_FILE:-}" ] || { echo "IMAGE_REF_FILE is not set (run through ctest)" >&2; return 1; }
  [ -s "$IMAGE_REF_FILE" ] || { echo "$IMAGE_REF_FILE is missing: the image.build test failed" >&2; return 1; }
  IMAGE=$(cat "$IMAGE_REF_FILE")
  REVISION=${IMAGE##*:}
  local env_line
  env_line=$("$ROOT/scripts/image.sh" --engine podman --print-env)
  if [ -n "$env_line" ]; then
    export "${env_line?}"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_service NAME PORT [podman run options…]: runs the image hardened as the issue asks
# (read-only root, user 65532, no capabilities, no new privileges), waits for /healthz.
start_service() {
  local name=$1 port=$2
  shift 2
  podman run -d --name "$name" --read-only --user 65532:65532 --cap-drop ALL \
    --security-opt no-new-privileges -e PORT="$port" -e SHUTDOWN_DELAY=1s -e DRAIN_TIMEOUT=5s \
    "$@" "$IMAGE" >/dev/null 2>"$BATS_TEST_TMPDIR/podman-run.err" ||
    { cat "$BATS_TEST_TMPDIR/podman-run.err" >&2; return 1; }
  wait_http "http://127.0.0.1:$port/healthz" || { podman logs "$name" >&2; return 1; }
}

# wait_http URL: polls until URL answers 200, for at most 20 s.
wait_http() {
  local deadline=$((SECONDS + 20))
  until curl -fs -o /dev/null "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "$1 did not answer 200 within 20 s" >&2; return 1; }
    sleep 0.1
  done
}

# remove_containers NAME…: removes them and their anonymous volumes, running or not, ignoring the ones that do not exist.
remove_containers() {
  local c
  for c in "$@"; do
    podman rm -f -v -t 0 "$c" >/dev/null 2>&1 || true
  done
}
