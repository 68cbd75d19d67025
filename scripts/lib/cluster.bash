# What provision-k8s.sh and deploy.sh share: tool checks, the commentsctl they drive, the revision
# an image is tagged with, and port-forwards that are confirmed to reach the cluster before
# anything goes through them. Sourced, never run; the sourcing script sets `lib_name` (its name,
# for messages) and `root` (the checkout). No pipeline here can die of SIGPIPE: nothing reads only
# part of another command's output.
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # root is the sourcing script's; FORWARD_URL is for it

lib_say() {
  printf '%s: %s\n' "${lib_name:-script}" "$*" >&2
}
lib_die() {
  lib_say "$@"
  exit 1
}

# need TOOL HOW-TO-INSTALL: exits with a one-line instruction when TOOL is not on PATH.
need() {
  command -v "$1" >/dev/null 2>&1 || lib_die "$1 not found: $2"
}

# first_line TEXT: the first line of TEXT (without a pipe to head).
first_line() {
  printf '%s\n' "${1%%$'\n'*}"
}

# The commentsctl binary: $COMMENTSCTL, else the release build (built when missing).
commentsctl_bin() {
  if [ -n "${COMMENTSCTL:-}" ]; then
    echo "$COMMENTSCTL"
    return
  fi
  if [ ! -x "$root/build/release/bin/commentsctl" ]; then
    bash "$root/scripts/deps.sh" build >&2
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target commentsctl >&2
  fi
  echo "$root/build/release/bin/commentsctl"
}

# The files an image is built from (the Dockerfile copies these): a change in any changes it.
image_inputs=(Dockerfile .dockerignore scripts/deps.sh CMakeLists.txt CMakePresets.json cmake service ctl)

# image_revision: the tag and revision label of an image built from this checkout: the commit,
# and when the image's inputs differ from it, "-dirty-" and a hash of their content, so that the
# same sources always give the same tag and different sources never share one. "unknown"
# outside git.
image_revision() {
  local rev index tree
  if ! rev=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then
    echo unknown
    return
  fi
  if [ -n "$(git -C "$root" status --porcelain -- "${image_inputs[@]}")" ]; then
    index=$(mktemp)
    cp "$(git -C "$root" rev-parse --git-path index)" "$index" 2>/dev/null || true
    GIT_INDEX_FILE=$index git -C "$root" add -A -- "${image_inputs[@]}"
    tree=$(GIT_INDEX_FILE=$index git -C "$root" write-tree)
    rm -f "$index"
    rev="$rev-dirty-${tree:0:8}"
  fi
  echo "$rev"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# forward_start LOG KUBECTL-ARGS...: runs `kubectl KUBECTL-ARGS...` (a port-forward to local port
# L, or 0 for any) in the background and waits until kubectl itself listens on 127.0.0.1; sets
# FORWARD_PID and FORWARD_URL (http://127.0.0.1:L). Fails, stopping kubectl, when kubectl exits
# or could only listen on ::1 (127.0.0.1:L taken by another process, which would otherwise answer
# in the cluster's place). The caller then confirms the pod by the revision it reports
# (`commentsctl smoke URL --revision R`) before testing anything through it.
forward_start() {
  local log=$1 deadline line port=""
  shift
  : >"$log"
  kubectl "$@" >"$log" 2>&1 &
  FORWARD_PID=$!
  deadline=$((SECONDS + ${FORWARD_TIMEOUT:-30}))
  while [ -z "$port" ]; do
    while IFS= read -r line; do
      case "$line" in
        "Forwarding from 127.0.0.1:"*)
          port=${line#Forwarding from 127.0.0.1:}
          port=${port%% *}
          ;;
        "Unable to listen on port "*"tcp4 127.0.0.1:"*)
          port=${line#Unable to listen on port }
          forward_stop
          lib_say "port-forward: 127.0.0.1:${port%%:*} is taken by another process, which would answer in the cluster's place; free it or choose another local port"
          return 1
          ;;
      esac
    done <"$log"
    [ -n "$port" ] && break
    if ! kill -0 "$FORWARD_PID" 2>/dev/null; then
      wait "$FORWARD_PID" 2>/dev/null || true
      FORWARD_PID=""
      lib_say "kubectl port-forward exited: $(cat "$log")"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      forward_stop
      lib_say "kubectl port-forward did not listen within ${FORWARD_TIMEOUT:-30} s: $(cat "$log")"
      return 1
    fi
    sleep 0.2
  done
  FORWARD_URL=http://127.0.0.1:$port
}

# forward_stop: ends the port-forward forward_start began (nothing when none runs).
forward_stop() {
  if [ -n "${FORWARD_PID:-}" ]; then
    kill "$FORWARD_PID" 2>/dev/null || true
    wait "$FORWARD_PID" 2>/dev/null || true
    FORWARD_PID=""
  fi
}
