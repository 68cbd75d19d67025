#!/usr/bin/env bash
# commentsctl promote against a registry that requires Basic auth (htpasswd), and one that
# speaks TLS with a test certificate: credentials from the environment and from a Docker
# config.json, refused and missing credentials, certificate verification with --ca-file.
#   auth_tls_test.sh PATH/TO/commentsctl
# shellcheck disable=SC2154 # NAME_PORT, NAME_DIR and NAME_PID come from start_registry
set -euo pipefail
CTL=${1:?usage: auth_tls_test.sh COMMENTSCTL}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/lib.bash"

echo "# Basic auth"
htpasswd -Bbn alice s3cret >"$WORK/htpasswd" 2>/dev/null
start_registry locked --htpasswd "$WORK/htpasswd"
R=127.0.0.1:$locked_PORT
publish "$R" 0.2.0-aaaaaaa aaaaaaa --creds alice:s3cret
digest=$DIGEST
ctl() { "$CTL" --spec "$SPEC" "$@" --attempts 2 --backoff-ms 50; }

expect_exit 1 "no credentials" ctl promote dev prod --yes
contains err "$R requires credentials (Basic)"
expect_exit 1 "wrong password" env COMMENTSCTL_REGISTRY="$R" COMMENTSCTL_REGISTRY_USER=alice \
  COMMENTSCTL_REGISTRY_PASSWORD=wrong "$CTL" --spec "$SPEC" promote dev prod --yes --attempts 1
contains err "refused the credentials from COMMENTSCTL_REGISTRY_USER/PASSWORD"

mkdir -p "$WORK/docker"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$R" "$(printf alice:s3cret | base64)" \
  >"$WORK/docker/config.json"
expect_exit 0 "credentials from DOCKER_CONFIG" env DOCKER_CONFIG="$WORK/docker" \
  "$CTL" --spec "$SPEC" promote dev prod --yes
contains out "3 mounted"
check "digest with auth" \
  [ "$(digest_of "$R/prod/comments:0.2.0-aaaaaaa" --creds alice:s3cret)" = "$digest" ]

echo "# TLS with a test certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
start_registry secure --tls "$WORK/tls.crt" "$WORK/tls.key"
S=127.0.0.1:$secure_PORT
push_image "$WORK/layout" 0.2.0-aaaaaaa "$S/dev/comments:0.2.0-aaaaaaa"
make_project "$S/dev/comments" "$S/prod/comments" 0.2.0-aaaaaaa aaaaaaa
mark_verified "$digest"
expect_exit 1 "unknown CA" ctl promote dev prod --yes
contains err "certificate verify failed"
expect_exit 0 "--ca-file" ctl promote dev prod --yes --ca-file "$WORK/tls.crt"
contains out "3 mounted"
check "digest over TLS" [ "$(digest_of "$S/prod/comments:0.2.0-aaaaaaa")" = "$digest" ]

echo "# cross-registry: Basic-auth source, TLS destination"
make_project "$R/dev/comments" "$S/prod2/comments" 0.2.0-aaaaaaa aaaaaaa
mark_verified "$digest"
expect_exit 0 "auth to TLS" env DOCKER_CONFIG="$WORK/docker" \
  "$CTL" --spec "$SPEC" promote dev prod --yes --ca-file "$WORK/tls.crt"
contains out "3 blob(s) uploaded"
check "digest across" [ "$(digest_of "$S/prod2/comments:0.2.0-aaaaaaa")" = "$digest" ]
finish
