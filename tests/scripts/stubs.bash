# Shared by the bats tests of the top-level scripts: stub commands first on PATH that record
# every call in $CALLS and behave as the variables below say.
#   STUB_MINIKUBE_RUNNING=1   `minikube status` succeeds (a running profile)
#   STUB_ROLLOUT_FAIL=1       `kubectl rollout status` fails
#   STUB_SMOKE_FAIL=1         `commentsctl smoke` fails
make_stubs() {
  STUBS=$BATS_TEST_TMPDIR/bin
  CALLS=$BATS_TEST_TMPDIR/calls
  export CALLS
  mkdir -p "$STUBS"
  : > "$CALLS"
  local name
  for name in minikube kubectl helm docker podman curl commentsctl; do
    cat > "$STUBS/$name" <<'STUB'
#!/usr/bin/env bash
name=$(basename "$0")
echo "$name $*" >> "$CALLS"
case "$name $1" in
  "minikube status") [ "${STUB_MINIKUBE_RUNNING:-0}" = 1 ] ;;
  "minikube version") echo "v1.34.0" ;;
  "kubectl version") echo "Client Version: v1.32.0" ;;
  "kubectl --context")
    case "$*" in
      *"rollout status"*) [ "${STUB_ROLLOUT_FAIL:-0}" != 1 ] ;;
      *"port-forward"*) exec sleep 30 ;;
      *) cat > /dev/null ;;
    esac ;;
  "helm version") echo "v4.1.4" ;;
  "helm template") echo "kind: PrometheusRule" ;;
  "docker info"|"podman info") exit 0 ;;
  "docker --version"|"podman --version") echo "$name version 1" ;;
  "commentsctl --spec")
    case "$*" in
      *" render "*) printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: comments-dev\n' ;;
      *" smoke "*) [ "${STUB_SMOKE_FAIL:-0}" != 1 ] ;;
    esac ;;
  "commentsctl smoke") [ "${STUB_SMOKE_FAIL:-0}" != 1 ] ;;
esac
STUB
    chmod +x "$STUBS/$name"
  done
  export COMMENTSCTL=$STUBS/commentsctl
}

# PATH with the stubs first, and without some of them (to test preflight errors).
stub_path_without() {
  local dir=$BATS_TEST_TMPDIR/bin-without
  rm -rf "$dir"
  mkdir -p "$dir"
  local f
  for f in "$STUBS"/*; do
    local n
    n=$(basename "$f")
    if ! printf '%s\n' "$@" | grep -qx "$n"; then
      ln -s "$f" "$dir/$n"
    fi
  done
  # The rest of the system, minus the real versions of the removed tools.
  local sys=$BATS_TEST_TMPDIR/sys
  rm -rf "$sys"
  mkdir -p "$sys"
  for f in bash env sed awk grep cat mktemp rm cp mkdir date git seq sleep kill printf basename dirname tr head id; do
    local p
    p=$(command -v "$f" 2>/dev/null) && ln -sf "$p" "$sys/$f"
  done
  echo "$dir:$sys"
}

# The line number of the first call matching a pattern (0 when absent).
call_line() {
  grep -n -- "$1" "$CALLS" | head -n1 | cut -d: -f1 || true
}
