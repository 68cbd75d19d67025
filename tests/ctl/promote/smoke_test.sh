#!/usr/bin/env bash
# commentsctl smoke against the real comments service, and the verify → promote chain: verify
# records the digest that passed, promote then takes it without --force.
#   smoke_test.sh PATH/TO/commentsctl PATH/TO/comments-service
# shellcheck disable=SC2154 # NAME_PORT, NAME_DIR and NAME_PID come from start_registry
set -euo pipefail
CTL=${1:?usage: smoke_test.sh COMMENTSCTL COMMENTS_SERVICE}
SERVICE=${2:?usage: smoke_test.sh COMMENTSCTL COMMENTS_SERVICE}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/lib.bash"

"$SERVICE" --port 0 --listen 127.0.0.1 --storage memory: --shutdown-delay 0s >"$WORK/service.log" 2>&1 &
PIDS+=("$!")
port=""
for _ in $(seq 200); do
  port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$WORK/service.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "the service did not start: $(cat "$WORK/service.log")"; exit 1; }
URL=http://127.0.0.1:$port

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

echo "# verify records the digest, promote takes it"
start_registry one
R=127.0.0.1:$one_PORT
"$HERE/make_image.py" "$WORK/layout" 0.4.0-aaaaaaa --revision aaaaaaa >/dev/null
push_image "$WORK/layout" 0.4.0-aaaaaaa "$R/dev/comments:0.4.0-aaaaaaa"
digest=$(digest_of "$R/dev/comments:0.4.0-aaaaaaa")
make_project "$R/dev/comments" "$R/prod/comments" 0.4.0-aaaaaaa aaaaaaa
expect_exit 1 "verify against a dead URL" "$CTL" --spec "$SPEC" verify dev --url "http://127.0.0.1:$(free_port)"
contains err "dev failed the smoke check; $digest is not verified"
grep -q verified "$WORK/project/releases/dev.yaml" && fail "a failed verify wrote the pin"
expect_exit 0 "verify" "$CTL" --spec "$SPEC" verify dev --url "$URL"
contains out "verified $digest"
grep -q "digest: $digest" "$WORK/project/releases/dev.yaml" || fail "verify did not record the digest"
"$CTL" --spec "$SPEC" validate dev >/dev/null || fail "the verified dev pin does not validate"
expect_exit 0 "promote a verified digest" "$CTL" --spec "$SPEC" promote dev prod --yes
check "prod digest" [ "$(digest_of "$R/prod/comments:0.4.0-aaaaaaa")" = "$digest" ]
expect_exit 0 "history shows verify" "$CTL" --spec "$SPEC" history dev
contains out "verify"
finish
