#!/usr/bin/env bats
# The image's commentsctl verifies TLS with the CA bundle the image ships: against a loopback
# registry serving HTTPS with a test certificate that is trusted only through that bundle (the
# image's own bundle with the test certificate appended, mounted over it), a promotion succeeds;
# with the image's unmodified bundle, or with OpenSSL not told where the bundle is, it is refused.

load helpers

setup_file() {
  load_image
  export IMAGE
}

setup() {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  # shellcheck source=tests/ctl/promote/lib.bash
  source "$ROOT/tests/ctl/promote/lib.bash"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
  start_registry secure --tls "$WORK/tls.crt" "$WORK/tls.key"
  S=127.0.0.1:$secure_PORT
  "$ROOT/tests/ctl/promote/make_image.py" "$WORK/layout" 0.5.0-ccccccc --revision ccccccc >/dev/null
  push_image "$WORK/layout" 0.5.0-ccccccc "$S/dev/comments:0.5.0-ccccccc"
  DIGEST=$(digest_of "$S/dev/comments:0.5.0-ccccccc")
  make_project "$S/dev/comments" "$S/prod/comments" 0.5.0-ccccccc ccccccc
  mark_verified "$DIGEST"
  # The container runs as 65532 and writes prod's pin and history into the project.
  chmod -R a+rwX "$WORK/project"
  # The image's own bundle, and a copy with the test certificate appended.
  podman create --name "tls-bundle-$$-$BATS_TEST_NUMBER" "$IMAGE" >/dev/null
  podman export "tls-bundle-$$-$BATS_TEST_NUMBER" | tar -xO etc/ssl/certs/ca-certificates.crt >"$WORK/image-bundle.crt"
  podman rm "tls-bundle-$$-$BATS_TEST_NUMBER" >/dev/null
  [ -s "$WORK/image-bundle.crt" ]
  cat "$WORK/image-bundle.crt" "$WORK/tls.crt" >"$WORK/bundle-with-test-ca.crt"
  chmod a+r "$WORK"/*.crt
}

teardown() {
  cleanup
}

# image_ctl [podman run options] -- commentsctl arguments: the image's commentsctl, hardened.
image_ctl() {
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  podman run --rm --read-only --user 65532:65532 --cap-drop ALL -v "$WORK/project:/project" \
    "${opts[@]}" --entrypoint /usr/local/bin/commentsctl "$IMAGE" --spec /project/comments.yaml "$@"
}

@test "the image's commentsctl trusts a TLS registry through the image's CA bundle" {
  run image_ctl -v "$WORK/bundle-with-test-ca.crt:/etc/ssl/certs/ca-certificates.crt:ro" -- \
    promote dev prod --yes --attempts 1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"verified:    $S/prod/comments:0.5.0-ccccccc = $DIGEST"* ]]
  [ "$(digest_of "$S/prod/comments:0.5.0-ccccccc")" = "$DIGEST" ]
}

@test "negative control: the image's own bundle does not trust the test certificate" {
  run image_ctl -- promote dev prod --yes --attempts 1
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"certificate verify failed"* ]]
  [ ! -e "$WORK/project/releases/prod.yaml" ]
}

@test "negative control: without SSL_CERT_FILE, OpenSSL never reads the bundle" {
  run image_ctl --unsetenv SSL_CERT_FILE \
    -v "$WORK/bundle-with-test-ca.crt:/etc/ssl/certs/ca-certificates.crt:ro" -- \
    promote dev prod --yes --attempts 1
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"certificate verify failed"* ]]
}
