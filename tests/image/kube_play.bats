#!/usr/bin/env bats
# The manifests run for real under `podman kube play` with the built image: `commentsctl render
# dev` and the chart's `helm template`. The pod runs as 65532 with a read-only root filesystem and
# no capabilities, reads its configuration from the ConfigMap, writes SQLite on the claimed
# volume, answers the README's curl sequence and keeps its data across `kube play --replace`.
# podman turns httpGet probes into commands run inside the container, which a scratch image
# cannot run, so the test performs the declared probes from outside, as the kubelet would: path,
# port, period and failure threshold read from the manifest.
#
# What the test changes for podman, nothing else (kube_play.py): pods share the host network
# here, so container `ports:` go (podman refuses port mappings on the host network) and the
# service's two ports move to free ones (PORT and ADMIN_PORT in the ConfigMap, the probes' port);
# the image reference names the built image. The probes are declared on the admin port; the
# public port keeps serving the API and, by default, the same operator endpoints.

load helpers

setup_file() {
  load_image
  export IMAGE REVISION
  export CTL=${COMMENTSCTL:?COMMENTSCTL must name the built commentsctl}
  export HELM_BIN
  HELM_BIN=$("$ROOT/scripts/tools/helm.sh")
  export WORK=$BATS_FILE_TMPDIR
  export APP=kubeplay$$
  export PORT ADMIN
  PORT=$(free_port)
  ADMIN=$(free_port)
  # The rendered dev manifests name dev's repository: the built image under that name. (Tests
  # run in another process than setup_file: they read the tag from DEV_IMAGE, never from $$.)
  export DEV_IMAGE=registry.example.com/comments/dev:kubeplay-$$
  podman tag "$IMAGE" "$DEV_IMAGE"
}

teardown_file() {
  local f
  for f in "$WORK"/play-*.yaml; do
    [ -f "$f" ] || continue
    podman kube down "$f" >/dev/null 2>&1 || true
    podman volume rm -f "$(python3 "$BATS_TEST_DIRNAME/kube_play.py" claim "$f")" >/dev/null 2>&1 || true
  done
  podman rmi "$DEV_IMAGE" >/dev/null 2>&1 || true
}

# The container of the pod kube play started for the Deployment NAME: podman names that pod
# NAME-pod-0 (4.x; NAME-pod in earlier releases).
container_of() {
  podman ps --pod --format '{{.Names}} {{.PodName}}' |
    awk -v pod="$1-pod" '($2 == pod || $2 == pod "-0") && $1 !~ /-infra$/ {print $1}'
}

# probe MANIFEST KIND: performs the container's KIND probe (startupProbe, readinessProbe,
# livenessProbe) as the kubelet would: GET path on port every periodSeconds, success on 2xx/3xx,
# failure after failureThreshold consecutive failures.
probe() {
  local spec path port period threshold i
  spec=$(python3 "$BATS_TEST_DIRNAME/kube_play.py" probe "$1" "$2")
  read -r path port period threshold <<<"$spec"
  for ((i = 1; i <= threshold; i++)); do
    if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port$path"; then
      echo "# $2: GET $path on $port passed (attempt $i of $threshold, every ${period}s)" >&3
      return 0
    fi
    sleep "$period"
  done
  echo "$2: GET $path on $port failed $threshold times" >&2
  return 1
}

# play MANIFEST [--replace]: kube play, then the declared probes from outside.
play() {
  podman kube play --network host "$@" >"$BATS_TEST_TMPDIR/play.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/play.log"; return 1; }
  probe "$1" startupProbe
  probe "$1" readinessProbe
  probe "$1" livenessProbe
}

# check_pod MANIFEST NAME: UID, capabilities, read-only root, configuration from the ConfigMap,
# SQLite on the claimed volume.
check_pod() {
  local c pid volume
  c=$(container_of "$2")
  [ -n "$c" ]
  pid=$(podman inspect --format '{{.State.Pid}}' "$c")
  grep -E '^Uid:\s+65532\s+65532\s+65532\s+65532$' "/proc/$pid/status"
  grep -E '^Gid:\s+65532\s+65532\s+65532\s+65532$' "/proc/$pid/status"
  grep -E '^CapEff:\s+0+$' "/proc/$pid/status"
  [ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$c")" = true ]
  # Every variable of the ConfigMap reached the process unchanged.
  python3 "$BATS_TEST_DIRNAME/kube_play.py" configmap "$1" | while IFS= read -r pair; do
    tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF -- "$pair" || { echo "missing $pair" >&2; return 1; }
  done
  volume=$(python3 "$BATS_TEST_DIRNAME/kube_play.py" claim "$1")
  [ "$(stat -c %u:%g "$(podman volume inspect --format '{{.Mountpoint}}' "$volume")/comments.db")" = 65532:65532 ]
}

# check_ports MANIFEST: the probes are declared on the admin port, which serves the operator
# endpoints and not the API; the public port serves the API and, by default, the same endpoints.
check_ports() {
  local kind
  for kind in startupProbe livenessProbe readinessProbe; do
    [ "$(python3 "$BATS_TEST_DIRNAME/kube_play.py" probe "$1" "$kind" | cut -d' ' -f2)" = "$ADMIN" ]
  done
  curl -fsS "http://127.0.0.1:$ADMIN/metrics" | grep -q '^comments_ready 1'
  [ "$(curl -fsS "http://127.0.0.1:$ADMIN/version" | jq -r .revision)" = "$REVISION" ]
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ADMIN/api/comment/list/1")" = 404 ]
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz"
}

post() {
  curl -fsS -X POST "http://127.0.0.1:$PORT/api/comment/new" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"comment\":\"$3\",\"content_id\":$1}"
}
list() {
  curl -sS "http://127.0.0.1:$PORT/api/comment/list/$1" | jq -c 'if type == "array" then map(del(.created_at)) else . end'
}

seed() {
  for i in 1 2 3; do
    [ "$(post 1 "reader$i@example.com" "comment $i")" = \
      "{\"status\":\"SUCCESS\",\"message\":\"comment created and associated with content_id 1\",\"id\":$i}" ]
  done
  [ "$(list 1)" = '[{"id":1,"email":"reader1@example.com","comment":"comment 1"},{"id":2,"email":"reader2@example.com","comment":"comment 2"},{"id":3,"email":"reader3@example.com","comment":"comment 3"}]' ]
  [ "$(list 2)" = '{"status":"NOT-FOUND","message":"content_id 2 not found"}' ]
}

@test "commentsctl render dev runs under podman kube play and keeps its data across --replace" {
  mkdir -p "$WORK/spec/releases"
  sed "s/^  name: comments /  name: $APP /" "$ROOT/k8s/comments.yaml" >"$WORK/spec/comments.yaml"
  "$CTL" --spec "$WORK/spec/comments.yaml" pin dev --tag "${DEV_IMAGE##*:}" --revision "$REVISION" >/dev/null
  "$CTL" --spec "$WORK/spec/comments.yaml" render dev >"$WORK/rendered-dev.yaml"
  python3 "$BATS_TEST_DIRNAME/kube_play.py" podman "$WORK/rendered-dev.yaml" "$PORT" "$ADMIN" >"$WORK/play-dev.yaml"
  play "$WORK/play-dev.yaml"
  check_pod "$WORK/play-dev.yaml" "$APP"
  [ "$(curl -fsS "http://127.0.0.1:$PORT/version" | jq -r .revision)" = "$REVISION" ]
  check_ports "$WORK/play-dev.yaml"
  seed
  # A new pod on the same claim, as a rollout would do.
  first=$(podman inspect --format '{{.Id}}' "$(container_of "$APP")")
  python3 "$BATS_TEST_DIRNAME/kube_play.py" replacement "$WORK/play-dev.yaml" >"$WORK/replay-dev.yaml"
  podman kube play --network host --replace "$WORK/replay-dev.yaml" >/dev/null
  probe "$WORK/play-dev.yaml" startupProbe
  probe "$WORK/play-dev.yaml" readinessProbe
  [ "$(podman inspect --format '{{.Id}}' "$(container_of "$APP")")" != "$first" ]
  [ "$(list 1 | jq length)" -eq 3 ]
  [ "$(post 1 late@example.com "after replace" | jq .id)" -eq 4 ]
  # Negative control, the pod still up: the same probe on a port nothing listens on fails.
  sed "s/^\( *port: \)$ADMIN\$/\1$(free_port)/" "$WORK/play-dev.yaml" >"$WORK/wrong-port.yaml"
  run probe "$WORK/wrong-port.yaml" readinessProbe
  [ "$status" -ne 0 ]
  podman kube down "$WORK/play-dev.yaml" >/dev/null
}

@test "the chart's helm template output runs under podman kube play" {
  "$HELM_BIN" template "helm$$" "$ROOT/charts/comments" --set image.repository="${IMAGE%:*}" \
    --set-string image.tag="$REVISION" --set image.pullPolicy=Never >"$WORK/helm.yaml"
  python3 "$BATS_TEST_DIRNAME/kube_play.py" podman "$WORK/helm.yaml" "$PORT" "$ADMIN" >"$WORK/play-helm.yaml"
  name=$(python3 "$BATS_TEST_DIRNAME/kube_play.py" name "$WORK/play-helm.yaml")
  play "$WORK/play-helm.yaml"
  check_pod "$WORK/play-helm.yaml" "$name"
  check_ports "$WORK/play-helm.yaml"
  seed
  podman kube down "$WORK/play-helm.yaml" >/dev/null
}
