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
#                     verify-dev  commentsctl verify dev through a port-forward (cluster) that
#                                 reaches dev's pod: the URL must run dev's pinned revision and
#                                 digest; records in dev's pin that the digest passed
#                     promote     commentsctl promote dev prod: copy by digest, no rebuild; in
#                                 cluster mode with --apply (rollout, automatic rollback)
#                     deploy-prod prod runs its pin and passes the smoke check; on failure
#                                 commentsctl rollback prod (--apply) and exit non-zero
#   --mode MODE     cluster: kubectl against the current context; local: run the image with
#                   podman/docker instead of Kubernetes (no cluster needed); auto (default):
#                   cluster when `kubectl cluster-info` answers, else local
#   --revision REV  image tag and revision label (default: git revision, "-dirty-<hash>" when
#                   the image's inputs are modified)
#   --registry H:P  use this registry instead of the spec's: the spec (its registry host replaced)
#                   and the release pins are copies in the state dir, k8s/releases/ is untouched
#                   (local mode default: start a registry on loopback in the state dir)
#   --state DIR     registry, spec copy, release pins, rendered manifests, logs
#                   (default: .tools/pipeline)
#   --git           promote also fast-forwards main to the image's revision (commentsctl --git)
#   --list-stages   print the stage names and exit
# Names, namespaces and ports come from the spec (`commentsctl get`). TLS is verified for every
# registry that is not on loopback.
# Environment: COMMENTSCTL (commentsctl binary; default: build it), ENGINE (podman or docker),
#   ROLLOUT_TIMEOUT (default 120s), DEPLOY_FAULT=prod-start (fault injection for pipeline tests,
#   local mode: the new prod release cannot start, which must end in an automatic rollback).
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(…) fails the assignment, and so the stage

root=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2034 # read by scripts/lib/cluster.bash
lib_name=deploy.sh
# shellcheck source=scripts/lib/cluster.bash
source "$root/scripts/lib/cluster.bash"
all_stages=(test build push-dev deploy-dev verify-dev promote deploy-prod)
stages=("${all_stages[@]}")
mode=auto
revision=""
registry=""
state=$root/.tools/pipeline
git_flag=()
rollout_timeout=${ROLLOUT_TIMEOUT:-120s}

usage() { sed -n '2,35s/^# \{0,1\}//p' "$0"; }
die() { lib_die "$@"; }

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
known_stage() {
  local k
  for k in "${all_stages[@]}"; do [ "$k" = "$1" ] && return 0; done
  return 1
}
for s in "${stages[@]}"; do
  known_stage "$s" || die "unknown stage '$s' (see --help)"
done
case "$mode" in auto|cluster|local) ;; *) die "--mode must be auto, cluster or local" ;; esac

[ -n "$revision" ] || revision=$(image_revision)
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
engine=${ENGINE:-$(bash "$root/scripts/image.sh" --print-engine)}
engine_cmd=("$engine")
if [ "$engine" = podman ]; then
  # The containers.conf scripts/image.sh prepares for this kind of machine (host network, runc).
  while IFS= read -r assignment; do export "${assignment?}"; done < <(bash "$root/scripts/image.sh" --print-env)
fi

# With another registry (local mode always has one) the pipeline works on copies: the spec with
# the registry host replaced, and release pins of its own, so such a run never rewrites the
# committed ones. Without, it is CI's run against the spec's registry and k8s/releases/.
spec=$root/k8s/comments.yaml
releases=$root/k8s/releases
mkdir -p "$state"
if [ "$mode" = local ] && [ -z "$registry" ]; then
  registry=$(bash "$root/scripts/registry.sh" start --dir "$state/registry")
fi
if [ -n "$registry" ]; then
  mkdir -p "$state/releases"
  spec=$state/comments.yaml
  sed "s#registry\.example\.com#$registry#g" "$root/k8s/comments.yaml" > "$spec"
  releases=$state/releases
fi
ctl=$(commentsctl_bin)
ctlx=("$ctl" --spec "$spec" --releases "$releases")
trap forward_stop EXIT

echo "deploy.sh: mode $mode, revision $revision, stages ${stages[*]}"
if [ "$mode" = local ]; then
  echo "deploy.sh: no cluster: environments run as $engine containers, registry $registry, state $state"
elif [ -n "$registry" ]; then
  echo "deploy.sh: registry $registry in place of the spec's; spec and pins in $state"
fi

# --- helpers ---------------------------------------------------------------------------------
image_of() {  # env → the image its pin names (by digest once pinned)
  "${ctlx[@]}" pin "$1" --field image
}
get() {  # env field → what the spec says (commentsctl get)
  "${ctlx[@]}" get "$1" "$2"
}
wait_ready() {  # url, seconds
  local i
  for i in $(seq $(( $2 * 5 ))); do
    curl -fs -o /dev/null "$1/readyz" 2>/dev/null && return 0
    [ "$i" -gt 0 ] && sleep 0.2
  done
  return 1
}

# engine_pull IMAGE TLS-VERIFY: podman verifies TLS as the spec says (commentsctl get ENV
# tls-verify); docker has no such flag: its daemon allows plain HTTP only to loopback registries
# unless configured otherwise.
engine_pull() {
  if [ "$engine" = podman ]; then
    "${engine_cmd[@]}" pull --tls-verify="$2" "$1" >/dev/null
  else
    "${engine_cmd[@]}" pull "$1" >/dev/null
  fi
}

# engine_push LOCAL-IMAGE REPOSITORY:TAG TLS-VERIFY: pushes, prints the pushed manifest's digest.
engine_push() {
  local log=$state/push.log line digest=""
  if [ "$engine" = podman ]; then
    rm -f "$state/push.digest"
    "${engine_cmd[@]}" push --tls-verify="$3" --digestfile "$state/push.digest" "$1" "docker://$2" >&2
    cat "$state/push.digest"
    return
  fi
  "${engine_cmd[@]}" tag "$1" "$2"
  "${engine_cmd[@]}" push "$2" >"$log"
  cat "$log" >&2
  # docker push ends with "TAG: digest: sha256:… size: N".
  while IFS= read -r line; do
    case "$line" in *": digest: sha256:"*) digest=${line#*: digest: }; digest=${digest%% *} ;; esac
  done <"$log"
  [ -n "$digest" ] || { echo "deploy.sh: docker push printed no digest" >&2; return 1; }
  echo "$digest"
}

# local mode: replace the environment's container with one running its pinned image.
# `|| return 1` throughout: deploy-prod calls it from a condition, where errexit does not apply.
local_rollout() {  # env
  local env=$1 image digest port name extra=()
  name=$(get "$env" deployment)-$env || return 1
  image=$(image_of "$env") || return 1
  digest=$("${ctlx[@]}" pin "$env" --field digest) || return 1
  port=$(free_port) || return 1
  engine_pull "$image" "$(get "$env" tls-verify)" || return 1
  if "${engine_cmd[@]}" container inspect "$name" >/dev/null 2>&1; then
    "${engine_cmd[@]}" stop -t 15 "$name" >/dev/null || true
    "${engine_cmd[@]}" rm -f "$name" >/dev/null || true
  fi
  if [ "$env" = prod ] && [ "${DEPLOY_FAULT:-}" = prod-start ] && [ -n "${fault_armed:-}" ]; then
    extra=(-e LOG_LEVEL=unusable)   # the release cannot start: what a bad release looks like
  fi
  "${engine_cmd[@]}" run -d --name "$name" --read-only --user 65532:65532 --cap-drop ALL \
    --security-opt no-new-privileges -v "$name-data:/var/lib/comments" \
    -e PORT="$port" -e SHUTDOWN_DELAY=1s -e IMAGE_DIGEST="$digest" "${extra[@]}" "$image" >/dev/null ||
    return 1
  echo "http://127.0.0.1:$port" > "$state/$env.url"
  echo "$env: $image on http://127.0.0.1:$port"
  if ! wait_ready "http://127.0.0.1:$port" 30; then
    echo "$env: not ready within 30 s; its log:" >&2
    "${engine_cmd[@]}" logs --tail 20 "$name" >&2 || true
    return 1
  fi
}

# cluster mode: ENV's pin rendered, applied, and its Deployment rolled out.
# Chained with &&: deploy-prod calls it from a condition, where errexit does not apply.
cluster_rollout() {  # env
  "${ctlx[@]}" render "$1" >"$state/$1.yaml" &&
    kubectl apply -f "$state/$1.yaml" &&
    kubectl -n "$(get "$1" namespace)" rollout status "deployment/$(get "$1" deployment)" \
      --timeout "$rollout_timeout"
}

# The URL of ENV's service: in cluster mode a port-forward to its Service, kept until the
# script exits (or the next forward); its pod is confirmed by the smoke check's first step.
env_url() {  # env
  if [ "$mode" = local ]; then
    cat "$state/$1.url"
    return
  fi
  forward_stop
  forward_start "$state/$1.port-forward.log" -n "$(get "$1" namespace)" port-forward \
    "svc/$(get "$1" service)" "0:$(get "$1" port)" || return 1
  echo "$FORWARD_URL" >"$state/$1.url"
}

# The smoke check of ENV, after checking that its URL runs ENV's pinned revision and digest.
smoke() {  # env
  local revision digest
  revision=$("${ctlx[@]}" pin "$1" --field revision) || return 1
  digest=$("${ctlx[@]}" pin "$1" --field digest) || return 1
  env_url "$1" || return 1
  "$ctl" smoke "$(cat "$state/$1.url")" ${revision:+--revision "$revision"} ${digest:+--digest "$digest"}
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
  local repo digest
  repo=$("${ctlx[@]}" pin dev --field repository)
  digest=$(engine_push "localhost/comments:$revision" "$repo:$revision" "$(get dev tls-verify)")
  "${ctlx[@]}" pin dev --tag "$revision" --digest "$digest" --revision "$revision" --from deploy.sh
}
stage_deploy_dev() { rollout dev; }
stage_verify_dev() {
  env_url dev
  # verify checks first that the URL runs dev's pinned revision and digest.
  "${ctlx[@]}" verify dev --url "$(cat "$state/dev.url")" --smoke-timeout 10
}
stage_promote() {
  if [ "$mode" = cluster ]; then
    # commentsctl applies prod, waits for the rollout and rolls back by itself when it fails.
    "${ctlx[@]}" promote dev prod --yes "${git_flag[@]}" --apply --rollout-timeout "$rollout_timeout"
    promoted=1
  else
    "${ctlx[@]}" promote dev prod --yes "${git_flag[@]}"
  fi
}
stage_deploy_prod() {
  fault_armed=1
  if [ "$mode" = cluster ]; then
    # After promote --apply prod already runs its pin; run alone, this stage applies it.
    if { [ -n "${promoted:-}" ] || rollout prod; } && smoke prod; then
      return 0
    fi
    echo "deploy.sh: prod release failed: rolling back to the previous prod pin" >&2
    "${ctlx[@]}" rollback prod --apply --rollout-timeout "$rollout_timeout" ||
      { echo "deploy.sh: the rollback failed" >&2; return 1; }
  else
    if rollout prod && smoke prod; then
      return 0
    fi
    fault_armed=""
    echo "deploy.sh: prod release failed: rolling back to the previous prod pin" >&2
    "${ctlx[@]}" rollback prod || { echo "deploy.sh: nothing to roll back to" >&2; return 1; }
    rollout prod || return 1
  fi
  smoke prod && echo "deploy.sh: prod rolled back to $(image_of prod)" >&2
  return 1
}

seconds_since() {  # start (date +%s%N) → elapsed seconds, one decimal
  awk -v d=$(( $(date +%s%N) - $1 )) 'BEGIN {printf "%.1f", d / 1e9}'
}
# A stage runs outside any condition, so that `set -e` stops it at its first failing command
# (bash ignores errexit in a function called from `if` or `||`); the EXIT trap then reports it.
current_stage=""
on_exit() {
  local status=$?
  forward_stop
  if [ "$status" -ne 0 ] && [ -n "$current_stage" ]; then
    printf '<== %s FAILED after %s s\n' "$current_stage" "$(seconds_since "$start")" >&2
  fi
}
trap on_exit EXIT

total_start=$(date +%s%N)
n=0
for s in "${stages[@]}"; do
  n=$((n + 1))
  printf '\n==> [%d/%d] %s\n' "$n" "${#stages[@]}" "$s"
  start=$(date +%s%N)
  current_stage=$s
  "stage_${s//-/_}"
  current_stage=""
  printf '<== %s ok (%s s)\n' "$s" "$(seconds_since "$start")"
done
printf '\ndeploy.sh: all %d stages passed in %s s (%s mode)\n' "${#stages[@]}" \
  "$(seconds_since "$total_start")" "$mode"
