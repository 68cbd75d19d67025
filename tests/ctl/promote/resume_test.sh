#!/usr/bin/env bash
# A destination registry killed (SIGKILL) in the middle of a streamed blob copy: promote fails
# with a clear error, the prod tag does not exist, and a rerun after the registry is back
# completes, skipping the blobs that were already copied. The destination is reached through
# throttle_proxy.py, so the copy is slow enough to be caught in the middle on any machine.
#   resume_test.sh PATH/TO/commentsctl
# shellcheck disable=SC2154 # NAME_PORT, NAME_DIR and NAME_PID come from start_registry
set -euo pipefail
CTL=${1:?usage: resume_test.sh COMMENTSCTL}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/lib.bash"

start_registry src
start_registry dst
A=127.0.0.1:$src_PORT
coproc PROXY { exec "$HERE/throttle_proxy.py" "$dst_PORT" --rate $((8 * 1024 * 1024)); }
PIDS+=("$PROXY_PID")
read -r proxy_port <&"${PROXY[0]}"
B=127.0.0.1:$proxy_port
# A small layer first, then a 24 MiB one (3 s at the proxy's rate) to be interrupted.
"$HERE/make_image.py" "$WORK/layout" 0.3.0-aaaaaaa --revision aaaaaaa --layers 128,24576 >/dev/null
push_image "$WORK/layout" 0.3.0-aaaaaaa "$A/dev/comments:0.3.0-aaaaaaa"
digest=$(digest_of "$A/dev/comments:0.3.0-aaaaaaa")
make_project "$A/dev/comments" "$B/prod/comments" 0.3.0-aaaaaaa aaaaaaa
mark_verified "$digest"

"$CTL" --spec "$SPEC" promote dev prod --yes --attempts 2 --backoff-ms 100 \
  >"$WORK/first.out" 2>"$WORK/first.err" &
promote=$!
# Wait until the large layer is flowing into the destination, then kill it.
killed=no
deadline=$((SECONDS + 120))
while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$promote" 2>/dev/null; do
  if find "$dst_DIR/data" -path '*_uploads*' -name data -size +4096k 2>/dev/null | grep -q .; then
    kill -9 "$dst_PID"
    killed=yes
    break
  fi
  sleep 0.01
done
code=0
wait "$promote" || code=$?
check "the registry was killed mid-copy" [ "$killed" = yes ]
check "the interrupted promote failed (exit $code)" [ "$code" -eq 1 ]
grep -q "commentsctl promote: .*$B" "$WORK/first.err" || fail "no clear error: $(cat "$WORK/first.err")"
[ -f "$WORK/project/releases/prod.yaml" ] && fail "a pin was written after a failed copy"

restart_registry dst
if skopeo inspect --tls-verify=false --raw "docker://$B/prod/comments:0.3.0-aaaaaaa" >/dev/null 2>&1; then
  fail "the prod tag exists after an interrupted copy"
fi
expect_exit 0 "rerun" "$CTL" --spec "$SPEC" promote dev prod --yes
contains out "blob     present"
contains out "transfer:    1 blob(s) uploaded"
check "digest after resume" [ "$(digest_of "$B/prod/comments:0.3.0-aaaaaaa")" = "$digest" ]
check "every blob after resume" every_blob_present "$B/prod/comments:0.3.0-aaaaaaa"
finish
