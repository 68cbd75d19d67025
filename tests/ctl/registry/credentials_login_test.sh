#!/usr/bin/env bash
# Credentials the way users already have them, with the real tools against a real htpasswd
# registry (scripts/registry.sh, started with REGISTRY_AUTH_FILE set): `skopeo login` and
# `podman login` into their default file ($XDG_RUNTIME_DIR/containers/auth.json), into
# REGISTRY_AUTH_FILE and --authfile; a docker-credential-* helper through credHelpers and
# credsStore; environment credentials only for the registry they name (two registries with
# different users in one promotion); and the message when nothing is found.
#   credentials_login_test.sh PATH/TO/commentsctl
# shellcheck disable=SC2154 # NAME_PORT and friends come from start_registry
set -euo pipefail
CTL=${1:?usage: credentials_login_test.sh COMMENTSCTL}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/../promote/lib.bash"
command -v podman >/dev/null 2>&1 || { echo "missing podman: run scripts/deps.sh test" >&2; exit 1; }

htpasswd -Bbn alice s3cret >"$WORK/htpasswd" 2>/dev/null
htpasswd -Bbn bob b0bpass >"$WORK/htpasswd-other" 2>/dev/null
echo "# scripts/registry.sh with REGISTRY_AUTH_FILE set (the registry must not read it)"
REGISTRY_AUTH_FILE=$WORK/ci-auth.json start_registry locked --htpasswd "$WORK/htpasswd"
R=127.0.0.1:$locked_PORT
publish "$R" 0.3.0-ccccccc ccccccc --creds alice:s3cret
digest=$DIGEST
ctl() { "$CTL" --spec "$SPEC" "$@" --attempts 1; }

echo "# nothing found: the message says what works and where it looked"
expect_exit 1 "no credentials" ctl promote dev prod --dry-run
contains err "$R requires credentials (Basic) and none were found; log in with \`skopeo login $R\`, \`podman login $R\` or \`docker login $R\`, or set COMMENTSCTL_REGISTRY=$R"
contains err "$XDG_RUNTIME_DIR/containers/auth.json, $HOME/.config/containers/auth.json, $HOME/.docker/config.json"

echo "# skopeo login into its default file"
skopeo login --tls-verify=false -u alice -p s3cret "$R" >/dev/null
check "skopeo wrote \$XDG_RUNTIME_DIR/containers/auth.json" [ -s "$XDG_RUNTIME_DIR/containers/auth.json" ]
expect_exit 0 "promote after skopeo login" ctl promote dev prod --yes
contains out "3 mounted"
check "the prod digest" [ "$(digest_of "$R/prod/comments:0.3.0-ccccccc" --creds alice:s3cret)" = "$digest" ]
skopeo logout "$R" >/dev/null
expect_exit 1 "after skopeo logout" ctl promote dev prod --dry-run
contains err "requires credentials (Basic)"

echo "# skopeo login --authfile: REGISTRY_AUTH_FILE and --authfile"
skopeo login --tls-verify=false --authfile "$WORK/ci-auth.json" -u alice -p s3cret "$R" >/dev/null
expect_exit 0 "REGISTRY_AUTH_FILE" env REGISTRY_AUTH_FILE="$WORK/ci-auth.json" \
  "$CTL" --spec "$SPEC" promote dev prod --dry-run
expect_exit 0 "--authfile" ctl promote dev prod --dry-run --authfile "$WORK/ci-auth.json"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$R" "$(printf alice:wrong | base64)" >"$WORK/wrong.json"
expect_exit 1 "refused credentials" ctl promote dev prod --dry-run --authfile "$WORK/wrong.json"
contains err "$R refused the credentials from $WORK/wrong.json"

echo "# podman login into its default file"
podman login --tls-verify=false -u alice -p s3cret "$R" >/dev/null
check "podman wrote \$XDG_RUNTIME_DIR/containers/auth.json" grep -qF "\"$R\"" "$XDG_RUNTIME_DIR/containers/auth.json"
expect_exit 0 "promote after podman login" ctl promote dev prod --dry-run
podman logout "$R" >/dev/null

echo "# a docker-credential helper"
mkdir -p "$WORK/bin" "$WORK/docker"
# The credential-helper protocol (docker-credential-helpers): `get` reads the server on stdin and
# answers JSON, or "credentials not found" with exit 1. A stand-in for pass, osxkeychain, ecr...
cat >"$WORK/bin/docker-credential-comments-test" <<'HELPER'
#!/usr/bin/env bash
set -euo pipefail
[ "${1:-}" = get ] || { echo "unsupported: $*"; exit 1; }
server=$(cat)
echo "$server" >>"$HELPER_LOG"
if [ "$server" = "$HELPER_KNOWS" ]; then
  printf '{"ServerURL":"%s","Username":"alice","Secret":"s3cret"}\n' "$server"
else
  echo "credentials not found in native keychain"
  exit 1
fi
HELPER
chmod +x "$WORK/bin/docker-credential-comments-test"
helper() {  # helper KNOWS CONFIG-JSON ARGS...: commentsctl with that Docker config and helper
  local knows=$1 config=$2
  shift 2
  printf '%s\n' "$config" >"$WORK/docker/config.json"
  env DOCKER_CONFIG="$WORK/docker" PATH="$WORK/bin:$PATH" HELPER_LOG="$WORK/helper.log" \
    HELPER_KNOWS="$knows" "$CTL" --spec "$SPEC" "$@" --attempts 1
}
expect_exit 0 "credHelpers" helper "$R" "{\"credHelpers\": {\"$R\": \"comments-test\"}}" \
  promote dev prod --dry-run
check "the helper was asked for $R on stdin" grep -qxF "$R" "$WORK/helper.log"
expect_exit 0 "credsStore" helper "$R" '{"credsStore": "comments-test"}' promote dev prod --dry-run
expect_exit 1 "a helper that does not know the registry" helper other.example.com \
  '{"credsStore": "comments-test"}' promote dev prod --dry-run
contains err "$R requires credentials (Basic) and none were found"
expect_exit 1 "a helper that is not installed" helper "$R" '{"credsStore": "not-installed"}' \
  promote dev prod --dry-run
contains err "docker-credential-not-installed (credsStore in $WORK/docker/config.json) is not on PATH"

echo "# environment credentials only for the registry they name"
expect_exit 1 "not named" env COMMENTSCTL_REGISTRY_USER=alice COMMENTSCTL_REGISTRY_PASSWORD=s3cret \
  "$CTL" --spec "$SPEC" promote dev prod --dry-run
contains err "COMMENTSCTL_REGISTRY does not name the registry it is for: set COMMENTSCTL_REGISTRY=$R"
expect_exit 1 "named for another registry" env COMMENTSCTL_REGISTRY=registry.example.com \
  COMMENTSCTL_REGISTRY_USER=alice COMMENTSCTL_REGISTRY_PASSWORD=s3cret \
  "$CTL" --spec "$SPEC" promote dev prod --dry-run
contains err "$R requires credentials (Basic) and none were found"
# Two registries with different users: alice's login for the source, bob's variables for the
# destination. Sent to both, either set would be refused by the other registry.
start_registry other --htpasswd "$WORK/htpasswd-other"
O=127.0.0.1:$other_PORT
skopeo login --tls-verify=false -u alice -p s3cret "$R" >/dev/null
make_project "$R/dev/comments" "$O/prod/comments" 0.3.0-ccccccc ccccccc
mark_verified "$digest"
expect_exit 0 "each registry its own credentials" env COMMENTSCTL_REGISTRY="$O" \
  COMMENTSCTL_REGISTRY_USER=bob COMMENTSCTL_REGISTRY_PASSWORD=b0bpass \
  "$CTL" --spec "$SPEC" promote dev prod --yes
contains out "3 blob(s) uploaded"
check "the digest across" [ "$(digest_of "$O/prod/comments:0.3.0-ccccccc" --creds bob:b0bpass)" = "$digest" ]
finish
