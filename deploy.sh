#!/usr/bin/env bash
# The dev-to-main delivery pipeline, runnable on a laptop or in CI. Each stage prints its name
# and duration; the first failing stage stops the pipeline with a non-zero exit.
#
# Usage: ./deploy.sh [--stages LIST] [--mode auto|cluster|local] [--revision REV]
#                    [--registry HOST:PORT] [--state DIR] [--git] [--help]
#   --stages LIST   comma-separated subset, in pipeline order (default: all):
#                     test        unit and integration tests (ctest -L 'unit|integration')
#                     build       image build tagged with the revision (never "latest")
#                     push-dev    push to the dev repository, pin dev to the pushed digest
#                     deploy-dev  roll dev out and wait until it is ready
#                     verify-dev  smoke test dev, record in dev's pin that its digest passed
#                     promote     commentsctl promote dev prod: copy by digest, no rebuild
#                     deploy-prod roll prod out, wait, smoke test; on failure roll back to the
#                                 previous prod pin and exit non-zero
#   --mode MODE     cluster: kubectl against the current context; local: run the image with
#                   podman/docker instead of Kubernetes (no cluster needed); auto (default):
#                   cluster when `kubectl cluster-info` answers, else local
#   --revision REV  image tag and revision label (default: git revision, "-dirty" when modified)
#   --registry H:P  local mode: use this registry (default: start one on loopback in the state dir)
#   --state DIR     local mode: registry, spec copy, release pins, logs (default: .tools/pipeline)
#   --git           promote also fast-forwards main to the image's revision (commentsctl --git)
#   --list-stages   print the stage names and exit
# Environment: COMMENTSCTL (commentsctl binary; default: build it), ENGINE (podman or docker),
#   ROLLOUT_TIMEOUT (default 120s), DEPLOY_FAULT=prod-start (fault injection for pipeline tests:
#   the new prod release cannot start, which must end in an automatic rollback).
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
all_stages=(test build push-dev deploy-dev verify-dev promote deploy-prod)
stages=("${all_stages[@]}")
mode=auto
revision=""
registry=""
state=$root/.tools/pipeline
git_flag=()
rollout_timeout=${ROLLOUT_TIMEOUT:-120s}

usage() { sed -n '2,29s/^# \{0,1\}//p' "$0"; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --stages) IFS=, read -r -a stages <<<"${2:?--stages needs a list}"; shift 2 ;;
    --mode) mode=${2:?--mode needs auto, cluster or local}; shift 2 ;;
    --revision) revision=${2:?--revision needs a value}; shift 2 ;;
    --registry) registry=${2:?--registry needs HOST:PORT}; shift 2 ;;
    --state) state=${2:?--state needs a directory}; shift 2 ;;
    --git) git_flag=(--git --git-dir "$root"); shift ;;
    --list-stages) printf '%s\n' "${all_stages[@]}"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for s in "${stages[@]}"; do
  printf '%s\n' "${all_stages[@]}" | grep -qx -- "$s" || die "unknown stage '$s' (see --help)"
done
case "$mode" in auto|cluster|local) ;; *) die "--mode must be auto, cluster or local" ;; esac

if [ -z "$revision" ]; then
  revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$root" status --porcelain 2>/dev/null)" ] || revision="$revision-dirty"
fi
[[ "$revision" =~ ^[A-Za-z0-9_.-]+$ ]] || die "revision '$revision' is not a valid image tag"
[ "$revision" != latest ] || die "the tag 'latest' is never used: tags are immutable revisions"

if [ "$mode" = auto ]; then
  if command -v kubectl >/dev/null 2>&1 && kubectl cluster-info --request-timeout=5s >/dev/null 2>&1; then
    mode=cluster
  else
    mode=local
  fi
fi

# --- tools -----------------------------------------------------------------------------------
ctl_bin() {
  if [ -n "${COMMENTSCTL:-}" ]; then echo "$COMMENTSCTL"; return; fi
  if [ ! -x "$root/build/release/bin/commentsctl" ]; then
    bash "$root/scripts/deps.sh" build >&2
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target commentsctl >&2
  fi
  echo "$root/build/release/bin/commentsctl"
}
engine=${ENGINE:-$(bash "$root/scripts/image.sh" --print-engine)}
engine_cmd=("$engine")
if [ "$engine" = podman ]; then
  # The containers.conf scripts/image.sh prepares for this kind of machine (host network, runc).
  while IFS= read -r assignment; do export "${assignment?}"; done < <(bash "$root/scripts/image.sh" --print-env)
fi

# Local mode works on copies: the spec with the registry host pointed at the loopback registry,
# and release pins of its own, so a laptop run never rewrites the committed ones.
spec=$root/k8s/comments.yaml
releases=$root/k8s/releases
if [ "$mode" = local ]; then
  mkdir -p "$state/releases"
  if [ -z "$registry" ]; then
    registry=$(bash "$root/scripts/registry.sh" start --dir "$state/registry")
  fi
  spec=$state/comments.yaml
  sed "s#registry\.example\.com#$registry#g" "$root/k8s/comments.yaml" > "$spec"
  releases=$state/releases
fi
ctl=$(ctl_bin)
ctlx=("$ctl" --spec "$spec" --releases "$releases")

echo "deploy.sh: mode $mode, revision $revision, stages ${stages[*]}"
[ "$mode" = local ] && echo "deploy.sh: no cluster: environments run as $engine containers, registry $registry, state $state"

# --- helpers ---------------------------------------------------------------------------------
image_of() {  # env → the image its pin names (by digest once pinned)
  "${ctlx[@]}" pin "$1" --field image
}
namespace_of() {
  "${ctlx[@]}" render "$1" | awk '/^kind: Namespace/ {ns=1} ns && /^  name:/ {print $2; exit}'
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_ready() {  # url, seconds
  local i
  for i in $(seq $(( $2 * 5 ))); do
    curl -fs -o /dev/null "$1/readyz" 2>/dev/null && return 0
    [ "$i" -gt 0 ] && sleep 0.2
  done
  return 1
}

# local mode: replace the environment's container with one running its pinned image.
local_rollout() {  # env
  local env=$1 image digest port name=comments-$1 extra=()
  image=$(image_of "$env")
  digest=$("${ctlx[@]}" pin "$env" --field digest)
  port=$(free_port)
  "${engine_cmd[@]}" pull --tls-verify=false "$image" >/dev/null
  if "${engine_cmd[@]}" container exists "$name" 2>/dev/null; then
    "${engine_cmd[@]}" stop -t 15 "$name" >/dev/null || true
    "${engine_cmd[@]}" rm -f "$name" >/dev/null || true
  fi
  if [ "$env" = prod ] && [ "${DEPLOY_FAULT:-}" = prod-start ] && [ -n "${fault_armed:-}" ]; then
    extra=(-e LOG_LEVEL=unusable)   # the release cannot start: what a bad release looks like
  fi
  "${engine_cmd[@]}" run -d --name "$name" --read-only --user 65532:65532 --cap-drop ALL \
    --security-opt no-new-privileges -v "$name-data:/var/lib/comments" \
    -e PORT="$port" -e SHUTDOWN_DELAY=1s -e IMAGE_DIGEST="$digest" "${extra[@]}" "$image" >/dev/null
  echo "http://127.0.0.1:$port" > "$state/$env.url"
  echo "$env: $image on http://127.0.0.1:$port"
  if ! wait_ready "http://127.0.0.1:$port" 30; then
    echo "$env: not ready within 30 s; its log:" >&2
    "${engine_cmd[@]}" logs --tail 20 "$name" >&2 || true
    return 1
  fi
}

cluster_rollout() {  # env
  local ns
  ns=$(namespace_of "$1")
  "${ctlx[@]}" render "$1" | kubectl apply -f -
  kubectl -n "$ns" rollout status deployment/comments --timeout "$rollout_timeout"
}

smoke() {  # env
  if [ "$mode" = local ]; then
    "$ctl" smoke "$(cat "$state/$1.url")"
  else
    local ns port forward rc=0
    ns=$(namespace_of "$1")
    port=$(free_port)
    kubectl -n "$ns" port-forward svc/comments "$port:8000" >/dev/null 2>&1 &
    forward=$!
    for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
    echo "http://127.0.0.1:$port" > "$state/$1.url"
    "$ctl" smoke "http://127.0.0.1:$port" || rc=$?
    kill "$forward" 2>/dev/null || true
    return "$rc"
  fi
}

rollout() {
  if [ "$mode" = local ]; then local_rollout "$1"; else cluster_rollout "$1"; fi
}

# --- stages ----------------------------------------------------------------------------------
stage_test() {
  bash "$root/scripts/deps.sh" test
  cmake --preset dev -S "$root" >/dev/null
  cmake --build "$root/build/dev"
  ctest --test-dir "$root/build/dev" -L 'unit|integration' -j2 --output-on-failure
}
stage_build() {
  bash "$root/scripts/image.sh" --engine "$engine" --revision "$revision" --tag "localhost/comments:$revision"
}
stage_push_dev() {
  local repo digest_file
  repo=$("${ctlx[@]}" pin dev --field repository)
  digest_file=$state/push-dev.digest
  mkdir -p "$state"
  "${engine_cmd[@]}" push --tls-verify=false --digestfile "$digest_file" \
    "localhost/comments:$revision" "docker://$repo:$revision"
  "${ctlx[@]}" pin dev --tag "$revision" --digest "$(cat "$digest_file")" --revision "$revision" \
    --from deploy.sh
}
stage_deploy_dev() { rollout dev; }
stage_verify_dev() {
  if [ "$mode" = cluster ]; then smoke dev; fi
  "${ctlx[@]}" verify dev --url "$(cat "$state/dev.url")"
}
stage_promote() { "${ctlx[@]}" promote dev prod --yes "${git_flag[@]}"; }
stage_deploy_prod() {
  fault_armed=1
  if rollout prod && smoke prod; then
    return 0
  fi
  fault_armed=""
  echo "deploy.sh: prod release failed: rolling back to the previous prod pin" >&2
  "${ctlx[@]}" rollback prod || { echo "deploy.sh: nothing to roll back to" >&2; return 1; }
  rollout prod && smoke prod && echo "deploy.sh: prod rolled back to $(image_of prod)" >&2
  return 1
}

mkdir -p "$state"
total_start=$(date +%s%N)
n=0
for s in "${stages[@]}"; do
  n=$((n + 1))
  printf '\n==> [%d/%d] %s\n' "$n" "${#stages[@]}" "$s"
  start=$(date +%s%N)
  if ! "stage_${s//-/_}"; then
    printf '<== %s FAILED after %s s\n' "$s" "$(awk -v d=$(( $(date +%s%N) - start )) 'BEGIN {printf "%.1f", d / 1e9}')" >&2
    exit 1
  fi
  printf '<== %s ok (%s s)\n' "$s" "$(awk -v d=$(( $(date +%s%N) - start )) 'BEGIN {printf "%.1f", d / 1e9}')"
done
printf '\ndeploy.sh: all %d stages passed in %s s (%s mode)\n' "${#stages[@]}" \
  "$(awk -v d=$(( $(date +%s%N) - total_start )) 'BEGIN {printf "%.1f", d / 1e9}')" "$mode"
