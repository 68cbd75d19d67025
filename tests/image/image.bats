#!/usr/bin/env bats
# The image as a user sees it: what it holds and declares, and the service running in it hardened
# (read-only root, user 65532, no capabilities) probed from outside over loopback with curl.
# Containers share the host network here, so each one serves on a free port given by PORT.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  load_image
  export IMAGE REVISION
}

setup() {
  NAME=comments-e2e-$$-$BATS_TEST_NUMBER
  VOLUME=comments-e2e-$$-$BATS_TEST_NUMBER
  PORT=$(free_port)
}

teardown() {
  if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
    podman logs "$NAME" 2>&1 | tail -n 20 >&3 || true
  fi
  remove_containers "$NAME" "$NAME-b"
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}

# post CONTENT_ID EMAIL COMMENT: the README's POST, printing the response body.
post() {
  curl -fsS -X POST "http://127.0.0.1:$PORT/api/comment/new" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"comment\":\"$3\",\"content_id\":$1}"
}

# list CONTENT_ID: the list with created_at checked (ISO 8601, UTC, milliseconds) and removed.
list() {
  local body
  body=$(curl -sS "http://127.0.0.1:$PORT/api/comment/list/$1")
  if echo "$body" | jq -e 'type == "array"' >/dev/null; then
    echo "$body" | jq -e 'all(.[]; .created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))' \
      >/dev/null || { echo "bad created_at in $body" >&2; return 1; }
    echo "$body" | jq -c 'map(del(.created_at))'
  else
    echo "$body"
  fi
}

@test "the image is under 30 MB" {
  size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
  echo "# $IMAGE: $size bytes ($((size / 1000000)) MB)" >&3
  [ "$size" -gt 5000000 ]
  [ "$size" -lt 30000000 ]
}

@test "the image holds the two executables, their libraries and a few /etc files, no shell" {
  podman create --name "$NAME" "$IMAGE" >/dev/null 2>&1
  podman export "$NAME" | tar -t | sort >"$BATS_TEST_TMPDIR/files"
  grep -qx 'usr/local/bin/comments-service' "$BATS_TEST_TMPDIR/files"
  grep -qx 'usr/local/bin/commentsctl' "$BATS_TEST_TMPDIR/files"
  grep -qx 'lib64/ld-linux-x86-64.so.2' "$BATS_TEST_TMPDIR/files"
  # Every file is one of these; a shell, apt, dpkg or busybox would not be.
  run grep -v -E '/$|^usr/local/bin/(comments-service|commentsctl)$|^lib(64)?/.*\.so[.0-9]*$|^etc/(passwd|group|nsswitch\.conf|ssl/certs/ca-certificates\.crt)$' \
    "$BATS_TEST_TMPDIR/files"
  [ "$status" -eq 1 ] || { echo "unexpected files: $output"; false; }
  # And the engine finds no shell to start.
  # (127: podman's code for a command that is not there)
  run -127 podman run --rm --entrypoint /bin/sh "$IMAGE" -c true
  [[ "$output" == *"/bin/sh"*"no such file or directory"* ]]
}

@test "the image declares user 65532, the volume, the storage URL, port 8000, a health check and labels" {
  inspect() { podman image inspect --format "$1" "$IMAGE"; }
  [ "$(inspect '{{.Config.User}}')" = "65532:65532" ]
  [ "$(inspect '{{json .Config.Volumes}}')" = '{"/var/lib/comments":{}}' ]
  [ "$(inspect '{{json .Config.ExposedPorts}}')" = '{"8000/tcp":{}}' ]
  [ "$(inspect '{{json .Config.Entrypoint}}')" = '["/usr/local/bin/comments-service"]' ]
  inspect '{{json .Config.Env}}' | jq -e 'index("STORAGE_URL=sqlite:/var/lib/comments/comments.db")'
  [ "$(inspect '{{json .HealthCheck.Test}}')" = '["CMD","/usr/local/bin/comments-service","healthcheck"]' ]
  labels=$(inspect '{{json .Labels}}')
  echo "$labels"
  version=$(sed -n 's/^project(comments VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
  echo "$labels" | jq -e --arg r "$REVISION" '.["org.opencontainers.image.revision"] == $r'
  echo "$labels" | jq -e --arg v "$version" '.["org.opencontainers.image.version"] == $v'
  echo "$labels" | jq -e '.["org.opencontainers.image.source"] | startswith("https://")'
  echo "$labels" | jq -e 'has("org.opencontainers.image.created") | not'
}

@test "it serves /healthz, /readyz and /version read-only as 65532 without capabilities" {
  start_service "$NAME" "$PORT" -v "$VOLUME:/var/lib/comments"
  [ "$(curl -fsS "http://127.0.0.1:$PORT/healthz")" = '{"status":"OK"}' ]
  [ "$(curl -fsS "http://127.0.0.1:$PORT/readyz")" = '{"status":"READY","storage":"sqlite"}' ]
  curl -fsS "http://127.0.0.1:$PORT/version" | jq -e --arg r "$REVISION" '.revision == $r'
  # Seen from the host: the process's user, capabilities and privileges.
  pid=$(podman inspect --format '{{.State.Pid}}' "$NAME")
  grep -E '^Uid:\s+65532\s+65532\s+65532\s+65532$' "/proc/$pid/status"
  grep -E '^Gid:\s+65532\s+65532\s+65532\s+65532$' "/proc/$pid/status"
  grep -E '^CapEff:\s+0+$' "/proc/$pid/status"
  grep -E '^NoNewPrivs:\s+1$' "/proc/$pid/status"
  [ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$NAME")" = true ]
  # The database is on the volume, owned by 65532.
  db="$(podman volume inspect --format '{{.Mountpoint}}' "$VOLUME")/comments.db"
  [ "$(stat -c %u:%g "$db")" = 65532:65532 ]
}

@test "it answers the README's curl sequence with the expected JSON" {
  start_service "$NAME" "$PORT" -v "$VOLUME:/var/lib/comments"
  for i in 1 2 3; do
    [ "$(post 1 "reader$i@example.com" "comment $i on one")" = \
      "{\"status\":\"SUCCESS\",\"message\":\"comment created and associated with content_id 1\",\"id\":$i}" ]
  done
  for i in 4 5 6; do
    [ "$(post 2 "reader$i@example.com" "comment $i on two")" = \
      "{\"status\":\"SUCCESS\",\"message\":\"comment created and associated with content_id 2\",\"id\":$i}" ]
  done
  run list 1
  [ "$status" -eq 0 ]
  [ "$output" = '[{"id":1,"email":"reader1@example.com","comment":"comment 1 on one"},{"id":2,"email":"reader2@example.com","comment":"comment 2 on one"},{"id":3,"email":"reader3@example.com","comment":"comment 3 on one"}]' ]
  run list 2
  [ "$status" -eq 0 ]
  [ "$output" = '[{"id":4,"email":"reader4@example.com","comment":"comment 4 on two"},{"id":5,"email":"reader5@example.com","comment":"comment 5 on two"},{"id":6,"email":"reader6@example.com","comment":"comment 6 on two"}]' ]
  run list 3
  [ "$output" = '{"status":"NOT-FOUND","message":"content_id 3 not found"}' ]
}

@test "podman stop (SIGTERM) ends it cleanly with exit 0 within the shutdown timeout" {
  start_service "$NAME" "$PORT"
  started=$(date +%s%N)
  # -t 20: podman would SIGKILL (exit 137) only after 20 s; SHUTDOWN_DELAY=1s, DRAIN_TIMEOUT=5s.
  podman stop -t 20 "$NAME"
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  echo "# stopped in ${elapsed_ms} ms" >&3
  [ "$(podman inspect --format '{{.State.ExitCode}}' "$NAME")" -eq 0 ]
  [ "$elapsed_ms" -lt 6000 ]
  podman logs "$NAME" 2>&1 | grep -F '"msg":"shutdown: complete"'
}

@test "comments survive a restart on a named volume" {
  start_service "$NAME" "$PORT" -v "$VOLUME:/var/lib/comments"
  post 7 survivor@example.com "still here"
  podman stop -t 20 "$NAME" >/dev/null
  [ "$(podman inspect --format '{{.State.ExitCode}}' "$NAME")" -eq 0 ]
  # A new container on the same volume, as after a rescheduled pod.
  start_service "$NAME-b" "$PORT" -v "$VOLUME:/var/lib/comments"
  run list 7
  [ "$output" = '[{"id":1,"email":"survivor@example.com","comment":"still here"}]' ]
  [ "$(post 7 second@example.com "after restart" | jq .id)" -eq 2 ]
}

@test "its HEALTHCHECK reports healthy, and unhealthy when nothing answers on its port" {
  start_service "$NAME" "$PORT"
  run podman healthcheck run "$NAME"
  [ "$status" -eq 0 ]
  [ "$(podman inspect --format '{{.State.Health.Status}}' "$NAME")" = healthy ]
  # Listening on 127.0.0.2 only, the check's 127.0.0.1:$PORT gets no answer.
  port2=$(free_port)
  podman run -d --name "$NAME-b" --read-only --cap-drop ALL -e PORT="$port2" \
    -e LISTEN_ADDRESS=127.0.0.2 "$IMAGE" >/dev/null 2>&1
  wait_http "http://127.0.0.2:$port2/healthz"
  run podman healthcheck run "$NAME-b"
  [ "$status" -ne 0 ]
  [ "$output" = unhealthy ]
}

@test "commentsctl runs in the image: validates the repository's spec, rejects a broken one" {
  run podman run --rm --read-only --cap-drop ALL -v "$ROOT/k8s:/k8s:ro" \
    --entrypoint /usr/local/bin/commentsctl "$IMAGE" --spec /k8s/comments.yaml validate
  [ "$status" -eq 0 ]
  mkdir "$BATS_TEST_TMPDIR/spec"
  printf 'replicas: [\n' >"$BATS_TEST_TMPDIR/spec/comments.yaml"
  run podman run --rm --read-only --cap-drop ALL -v "$BATS_TEST_TMPDIR/spec:/spec:ro" \
    --entrypoint /usr/local/bin/commentsctl "$IMAGE" --spec /spec/comments.yaml validate
  [ "$status" -ne 0 ]
  [[ "$output" == *"/spec/comments.yaml:"[0-9]*:[0-9]*":"* ]]
}
