#!/usr/bin/env bats
# The image pushed to a real registry on loopback (scripts/registry.sh: Debian's docker-registry),
# tagged with the git revision, and checked with an independent client, skopeo.

load helpers

setup_file() {
  load_image
  export IMAGE REVISION
  export REGISTRY_DIR="$BATS_FILE_TMPDIR/registry"
  REGISTRY=$("$ROOT/scripts/registry.sh" start --dir "$REGISTRY_DIR")
  export REGISTRY
}

teardown_file() {
  "$ROOT/scripts/registry.sh" stop --dir "$REGISTRY_DIR"
}

@test "the pushed image has the digest podman reports, its tag is the git revision" {
  target="docker://$REGISTRY/dev/comments:$REVISION"
  podman push -q --tls-verify=false --digestfile "$BATS_TEST_TMPDIR/digest" "$IMAGE" "$target"
  pushed=$(cat "$BATS_TEST_TMPDIR/digest")
  [[ "$pushed" =~ ^sha256:[0-9a-f]{64}$ ]]
  echo "# pushed $REGISTRY/dev/comments:$REVISION@$pushed" >&3
  [ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "$target")" = "$pushed" ]
  skopeo list-tags --tls-verify=false "docker://$REGISTRY/dev/comments" |
    jq -e --arg r "$REVISION" '.Tags == [$r]'
  # The registry serves that manifest under its digest too, as a deployment pinned by digest pulls it.
  [ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' \
    "docker://$REGISTRY/dev/comments@$pushed")" = "$pushed" ]
}

@test "the pushed image keeps its labels, health check, user and entrypoint" {
  target="docker://$REGISTRY/dev/comments:$REVISION"
  skopeo inspect --tls-verify=false "$target" |
    jq -e --arg r "$REVISION" '.Labels["org.opencontainers.image.revision"] == $r'
  # The raw config: the Docker image format keeps HEALTHCHECK (the OCI format would drop it).
  config=$(skopeo inspect --tls-verify=false --raw --config "$target")
  echo "$config" | jq -e '.config.Healthcheck.Test == ["CMD","/usr/local/bin/comments-service","healthcheck"]'
  echo "$config" | jq -e '.config.User == "65532:65532"'
  echo "$config" | jq -e '.config.Entrypoint == ["/usr/local/bin/comments-service"]'
}

@test "the pushed image runs when pulled back into an empty image store" {
  # A store of its own, as on another machine: nothing comes from the local build's layers.
  store=(--root "$BATS_TEST_TMPDIR/store" --runroot "$BATS_TEST_TMPDIR/run")
  pulled=$REGISTRY/dev/comments:$REVISION
  podman "${store[@]}" pull -q --tls-verify=false "$pulled" >/dev/null
  port=$(free_port)
  name=comments-e2e-pull-$$
  podman "${store[@]}" run -d --name "$name" --read-only --user 65532:65532 --cap-drop ALL \
    -e PORT="$port" -e SHUTDOWN_DELAY=1s "$pulled" >/dev/null 2>&1
  run wait_http "http://127.0.0.1:$port/readyz"
  podman "${store[@]}" rm -f -t 0 "$name" >/dev/null 2>&1
  podman "${store[@]}" rmi -a -f >/dev/null 2>&1
  [ "$status" -eq 0 ]
}
