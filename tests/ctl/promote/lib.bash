# Shared by the promotion tests: loopback registries started in temporary folders, test images
# pushed with skopeo (an independent client), a throw-away project (spec and pins), and checks.
# Source it after setting CTL (the commentsctl binary); it creates $WORK and cleans up on exit.
# shellcheck shell=bash

# shellcheck disable=SC2034 # HERE, SPEC and friends are for the scripts sourcing this
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in docker-registry skopeo python3 htpasswd openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool: run scripts/deps.sh test" >&2; exit 1; }
done
WORK=${WORK:-$(mktemp -d)}
# Credentials only from what a test sets up: not from the machine's logins (auth.json files,
# ~/.docker) nor from the caller's environment.
unset REGISTRY_AUTH_FILE DOCKER_CONFIG COMMENTSCTL_REGISTRY COMMENTSCTL_REGISTRY_USER \
  COMMENTSCTL_REGISTRY_PASSWORD
mkdir -p "$WORK/home" "$WORK/run"
export HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/run XDG_CONFIG_HOME=$WORK/home/.config
ROOT=$(cd "$HERE/../../.." && pwd)
REGISTRIES=()
FAILURES=0
cleanup() {
  for dir in "${REGISTRIES[@]}"; do "$ROOT/scripts/registry.sh" stop --dir "$dir" >/dev/null || true; done
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
PIDS=()
# bats calls cleanup from teardown instead.
if [ -z "${BATS_TEST_FILENAME:-}" ]; then
  trap cleanup EXIT
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry NAME [--htpasswd FILE] [--tls CERT KEY]: a registry (scripts/registry.sh) on a
# free loopback port; sets NAME_PORT, NAME_DIR (its folder, storage in data/) and NAME_PID.
start_registry() {
  local name=$1 address attempt
  shift
  # A loaded machine (parallel builds) can make a start time out: try again before failing.
  for attempt in 1 2 3; do
    if address=$("$ROOT/scripts/registry.sh" start --dir "$WORK/$name" "$@"); then
      break
    fi
    [ "$attempt" -lt 3 ] || return 1
    "$ROOT/scripts/registry.sh" stop --dir "$WORK/$name" >/dev/null 2>&1 || true
  done
  REGISTRIES+=("$WORK/$name")
  printf -v "${name}_PORT" '%s' "${address##*:}"
  printf -v "${name}_DIR" '%s' "$WORK/$name"
  printf -v "${name}_PID" '%s' "$(cat "$WORK/$name/registry.pid")"
  : >"$WORK/$name.args"
  if [ $# -gt 0 ]; then printf '%s\n' "$@" >"$WORK/$name.args"; fi
}

# restart_registry NAME: starts NAME's registry again, same port and storage (after a kill).
restart_registry() {
  local name=$1 port_var=${1}_PORT args
  mapfile -t args <"$WORK/$name.args"
  "$ROOT/scripts/registry.sh" start --dir "$WORK/$name" --port "${!port_var}" "${args[@]}" >/dev/null
}

# push_image LAYOUT TAG DEST [skopeo options]: copies an OCI layout image to docker://DEST.
push_image() {
  local layout=$1 tag=$2 dest=$3; shift 3
  skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false "$@" \
    "oci:$layout:$tag" "docker://$dest"
}

# digest_of REF [skopeo options]: the manifest digest skopeo sees.
digest_of() {
  local ref=$1; shift
  skopeo inspect --tls-verify=false "$@" --raw "docker://$ref" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

# make_project DEV_REPO PROD_REPO TAG REVISION: a spec and a dev pin in $WORK/project.
make_project() {
  local p=$WORK/project
  mkdir -p "$p/releases"
  cat >"$p/comments.yaml" <<YAML
app: {name: comments}
defaults:
  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1", memory: 256Mi}}
environments:
  dev: {namespace: comments-dev, image: {repository: $1}}
  prod: {namespace: comments, requireDigest: true, image: {repository: $2}}
YAML
  cat >"$p/releases/dev.yaml" <<YAML
environment: dev
image: {repository: $1, tag: "$3"}
source: {from: ci, revision: "$4"}
YAML
  rm -f "$p/releases/prod.yaml"
  rm -rf "$p/releases/history"
  SPEC=$p/comments.yaml
}

# publish REGISTRY TAG REVISION [skopeo options]: a test image pushed as REGISTRY/dev/comments:TAG,
# a project promoting it to REGISTRY/prod/comments with dev's pin verified; its digest in DIGEST.
# The options are for reading (--creds U:P); the push gets them as --dest-creds.
publish() {
  local registry=$1 tag=$2 revision=$3
  shift 3
  "$HERE/make_image.py" "$WORK/layout" "$tag" --revision "$revision" >/dev/null
  push_image "$WORK/layout" "$tag" "$registry/dev/comments:$tag" "${@/#--creds/--dest-creds}"
  DIGEST=$(digest_of "$registry/dev/comments:$tag" "$@")
  make_project "$registry/dev/comments" "$registry/prod/comments" "$tag" "$revision"
  mark_verified "$DIGEST"
}

# mark_verified DIGEST: what `commentsctl verify dev` records, without a running service.
mark_verified() {
  cat >>"$WORK/project/releases/dev.yaml" <<YAML
verified: {digest: "$1", url: "http://test.invalid", at: "2025-01-01T00:00:00Z"}
YAML
}

fail() {
  echo "FAIL: $*"
  FAILURES=$((FAILURES + 1))
}
check() {  # check DESCRIPTION COMMAND...: fails the test when COMMAND fails
  local what=$1; shift
  if ! "$@"; then fail "$what"; fi
}
expect_exit() {  # expect_exit CODE DESCRIPTION COMMAND...: output in $WORK/out and $WORK/err
  local want=$1 what=$2 got=0
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, want $want"
    sed 's/^/  out: /' "$WORK/out"; sed 's/^/  err: /' "$WORK/err"
  fi
}
contains() {  # contains out|err TEXT
  if ! grep -qF -- "$2" "$WORK/$1"; then
    fail "$1 lacks '$2'"
    sed "s/^/  $1: /" "$WORK/$1"
  fi
}
# every_blob_present REF: each blob of REF's manifest (and of its children) answers HEAD 200.
every_blob_present() {
  local ref=$1 registry repo
  registry=${ref%%/*}
  repo=${ref#*/}
  repo=${repo%:*}
  skopeo inspect --tls-verify=false --raw "docker://$ref" | python3 -c '
import json, subprocess, sys, urllib.request
registry, repo = sys.argv[1], sys.argv[2]
def get(path, accept):
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/{path}", headers={"Accept": accept})
    return urllib.request.urlopen(req)
acc = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"
top = json.load(sys.stdin)
images = [json.load(get("manifests/" + m["digest"], acc)) for m in top["manifests"]] if "manifests" in top else [top]
for im in images:
    for b in [im["config"]] + im["layers"]:
        d = b["digest"]
        r = urllib.request.Request(f"http://{registry}/v2/{repo}/blobs/{d}", method="HEAD")
        if urllib.request.urlopen(r).status != 200:
            sys.exit(f"missing {d}")
' "$registry" "$repo"
}
finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES failure(s)"
    exit 1
  fi
  echo "all passed"
}
