#!/usr/bin/env bash
# commentsctl smoke against the real comments service, and the verify → promote chain: verify
# checks that the URL runs the pinned revision and digest (GET /version), records the digest that
# passed, and promote then takes it without --force.
#   smoke_test.sh PATH/TO/commentsctl PATH/TO/comments-service
# shellcheck disable=SC2154 # NAME_PORT, NAME_DIR and NAME_PID come from start_registry
set -euo pipefail
CTL=${1:?usage: smoke_test.sh COMMENTSCTL COMMENTS_SERVICE}
SERVICE=${2:?usage: smoke_test.sh COMMENTSCTL COMMENTS_SERVICE}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/lib.bash"

# start_service NAME [VAR=VALUE...]: the real service on a free port, its URL in NAME_URL.
start_service() {
  local name=$1 log=$WORK/$1.log port=""
  shift
  env "$@" "$SERVICE" --port 0 --listen 127.0.0.1 --storage memory: --shutdown-delay 0s >"$log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 200); do
    port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "the service did not start: $(cat "$log")"; exit 1; }
  printf -v "${name}_URL" '%s' "http://127.0.0.1:$port"
}
start_service plain
URL=$plain_URL
port=${URL##*:}
# The revision the service reports: the build's, which the test images below are labelled with.
REV=$("$SERVICE" --version | sed -n 's/^comments-service [^ ]* (\(.*\))$/\1/p')
[ -n "$REV" ] || { echo "cannot read the service's revision from --version"; exit 1; }

echo "# smoke passes against the running service"
expect_exit 0 "smoke" "$CTL" smoke "$URL"
contains out "ok   GET /healthz: 200"
contains out "ok   GET /readyz: 200"
contains out "ok   POST /api/comment/new (content_id smoke-"
contains out "the comment just posted is there"
contains out "smoke check passed: $URL"

echo "# smoke fails clearly where nothing listens"
expect_exit 1 "smoke, nothing listening" "$CTL" smoke "http://127.0.0.1:$(free_port)" --timeout 2
contains out "FAIL GET /healthz:"
contains out "smoke check FAILED"
expect_exit 1 "smoke, not a URL" "$CTL" smoke "127.0.0.1:$port"
contains out "is not an http:// or https:// URL"

echo "# verify"
start_registry one
R=127.0.0.1:$one_PORT
"$HERE/make_image.py" "$WORK/layout" 0.4.0-aaaaaaa --revision "$REV" >/dev/null
push_image "$WORK/layout" 0.4.0-aaaaaaa "$R/dev/comments:0.4.0-aaaaaaa"
digest=$(digest_of "$R/dev/comments:0.4.0-aaaaaaa")
make_project "$R/dev/comments" "$R/prod/comments" 0.4.0-aaaaaaa "$REV"
expect_exit 1 "verify against a dead URL" "$CTL" --spec "$SPEC" verify dev --url "http://127.0.0.1:$(free_port)"
contains err "dev failed the smoke check; $digest is not verified"
grep -q verified "$WORK/project/releases/dev.yaml" && fail "a failed verify wrote the pin"

echo "# verify refuses a URL that runs another build or another image"
make_project "$R/dev/comments" "$R/prod/comments" 0.4.0-aaaaaaa 0123456789ab
expect_exit 1 "verify, another revision answers" "$CTL" --spec "$SPEC" verify dev --url "$URL"
contains out "FAIL GET /version: revision \"$REV\", want \"0123456789ab\""
contains err "dev failed the smoke check"
check "nothing posted after a wrong revision" [ "$(grep -c 'POST /api/comment/new' "$WORK/out")" -eq 0 ]
grep -q verified "$WORK/project/releases/dev.yaml" && fail "a refused verify wrote the pin"
other=sha256:$(printf '%064d' 7)
start_service other_image IMAGE_DIGEST="$other"
start_service this_image IMAGE_DIGEST="$digest"
make_project "$R/dev/comments" "$R/prod/comments" 0.4.0-aaaaaaa "$REV"
expect_exit 1 "verify, another digest answers" "$CTL" --spec "$SPEC" verify dev --url "$other_image_URL"
contains out "FAIL GET /version: digest $other, want $digest"
# Pinned by digest, the manifests pass IMAGE_DIGEST: a service that does not report one is refused.
"$CTL" --spec "$SPEC" pin dev --tag 0.4.0-aaaaaaa --digest "$digest" --revision "$REV" >/dev/null
expect_exit 1 "verify, digest pin, no digest reported" "$CTL" --spec "$SPEC" verify dev --url "$URL"
contains out "FAIL GET /version: digest not reported, want $digest"
expect_exit 0 "verify, digest pin, the digest reported" "$CTL" --spec "$SPEC" verify dev --url "$this_image_URL"
contains out "ok   GET /version: revision $REV, digest $digest"
expect_exit 0 "smoke --revision --digest" "$CTL" smoke "$this_image_URL" --revision "$REV" --digest "$digest"
expect_exit 1 "smoke --revision, another one answers" "$CTL" smoke "$URL" --revision 0123456789ab
contains out "does not run that build"

echo "# verify records the digest, promote takes it"
make_project "$R/dev/comments" "$R/prod/comments" 0.4.0-aaaaaaa "$REV"
expect_exit 0 "verify" "$CTL" --spec "$SPEC" verify dev --url "$URL"
contains out "verified $digest"
grep -q "digest: $digest" "$WORK/project/releases/dev.yaml" || fail "verify did not record the digest"
"$CTL" --spec "$SPEC" validate dev >/dev/null || fail "the verified dev pin does not validate"
expect_exit 0 "promote a verified digest" "$CTL" --spec "$SPEC" promote dev prod --yes
check "prod digest" [ "$(digest_of "$R/prod/comments:0.4.0-aaaaaaa")" = "$digest" ]
expect_exit 0 "history shows verify" "$CTL" --spec "$SPEC" history dev
contains out "verify"
finish
