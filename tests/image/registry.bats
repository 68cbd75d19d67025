#!/usr/bin/env bats
# scripts/registry.sh, the loopback registry the image test and the promotion pipeline share:
# start/stop are idempotent, --htpasswd makes clients log in, --tls serves HTTPS. Checked with
# curl and skopeo against the real docker-registry.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  REG=$ROOT/scripts/registry.sh
  DIR=$BATS_TEST_TMPDIR/registry
}

teardown() {
  "$REG" stop --dir "$DIR"
}

@test "start prints a loopback address, again when already running; stop ends it" {
  addr=$("$REG" start --dir "$DIR")
  [[ "$addr" =~ ^127\.0\.0\.1:[0-9]+$ ]]
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" = 200 ]
  [ "$("$REG" start --dir "$DIR")" = "$addr" ]
  [ "$("$REG" address --dir "$DIR")" = "$addr" ]
  pid=$(cat "$DIR/registry.pid")
  "$REG" stop --dir "$DIR"
  run grep -qa docker-registry "/proc/$pid/cmdline"
  [ "$status" -ne 0 ]
  run curl -s "http://$addr/v2/"
  [ "$status" -ne 0 ]
  "$REG" stop --dir "$DIR"
  run "$REG" address --dir "$DIR"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no registry runs in"* ]]
}

@test "--htpasswd refuses anonymous clients and accepts the user in the file" {
  htpasswd -Bbn alice s3cret >"$BATS_TEST_TMPDIR/htpasswd"
  addr=$("$REG" start --dir "$DIR" --htpasswd "$BATS_TEST_TMPDIR/htpasswd")
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" = 401 ]
  [ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong "http://$addr/v2/")" = 401 ]
  [ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret "http://$addr/v2/")" = 200 ]
  run skopeo list-tags --tls-verify=false "docker://$addr/none/such"
  [ "$status" -ne 0 ]
  [[ "$output" == *"authentication required"* || "$output" == *"unauthorized"* ]]
}

@test "the caller's REGISTRY_* variables (REGISTRY_AUTH_FILE for skopeo) do not configure it" {
  # docker-registry reads REGISTRY_<SECTION>_<KEY> as configuration: REGISTRY_AUTH_FILE would
  # become an auth section it cannot start with, REGISTRY_HTTP_ADDR another address.
  echo '{}' >"$BATS_TEST_TMPDIR/auth.json"
  addr=$(REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json REGISTRY_HTTP_ADDR=127.0.0.1:1 \
    "$REG" start --dir "$DIR")
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" = 200 ]
  run tr '\0' '\n' <"/proc/$(cat "$DIR/registry.pid")/environ"
  [[ "$output" != *REGISTRY_AUTH_FILE* ]]
}

@test "--tls serves HTTPS with the given certificate" {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$BATS_TEST_TMPDIR/key.pem" \
    -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
  addr=$("$REG" start --dir "$DIR" --tls "$BATS_TEST_TMPDIR/cert.pem" "$BATS_TEST_TMPDIR/key.pem")
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$BATS_TEST_TMPDIR/cert.pem" "https://$addr/v2/")" = 200 ]
  # Without the certificate as a trusted CA, verification fails.
  run curl -s "https://$addr/v2/"
  [ "$status" -eq 60 ]
}

@test "a port that is taken makes start fail with the registry's reason" {
  addr=$("$REG" start --dir "$DIR")
  run "$REG" start --dir "$BATS_TEST_TMPDIR/second" --port "${addr#*:}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"address already in use"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/second/registry.pid" ]
}

@test "bad arguments exit 2 with a reason" {
  run "$REG" start
  [ "$status" -eq 2 ]
  [[ "$output" == *"--dir is required"* ]]
  run "$REG" start --dir "$DIR" --port abc
  [ "$status" -eq 2 ]
  run "$REG" launch --dir "$DIR"
  [ "$status" -eq 2 ]
}
