#!/usr/bin/env bash
# commentsctl promote/history/rollback against real loopback registries (Debian's
# docker-registry), checked with skopeo: same-registry promotion mounts every blob (no layer
# bytes move), a multi-platform index keeps its digest, a tag is never moved, a rerun is a
# no-op, and a cross-registry copy streams every blob and keeps the digest.
#   registry_test.sh PATH/TO/commentsctl
# shellcheck disable=SC2154 # NAME_PORT, NAME_DIR and NAME_PID come from start_registry
set -euo pipefail
CTL=${1:?usage: registry_test.sh COMMENTSCTL}
# shellcheck source=tests/ctl/promote/lib.bash
source "$(dirname "$0")/lib.bash"

start_registry one
R1=127.0.0.1:$one_PORT
"$HERE/make_image.py" "$WORK/layout" 0.1.0-aaaaaaa --revision aaaaaaa --layers 64,256 >/dev/null
push_image "$WORK/layout" 0.1.0-aaaaaaa "$R1/dev/comments:0.1.0-aaaaaaa"
dev_digest=$(digest_of "$R1/dev/comments:0.1.0-aaaaaaa")
make_project "$R1/dev/comments" "$R1/prod/comments" 0.1.0-aaaaaaa aaaaaaa
ctl() { "$CTL" --spec "$SPEC" "$@" --attempts 2 --backoff-ms 50; }

echo "# an unverified dev pin is refused"
expect_exit 1 "unverified" ctl promote dev prod --yes
contains err "dev's pin records no verified digest"

mark_verified "$dev_digest"
echo "# --dry-run prints the plan and copies nothing"
expect_exit 0 "dry run" ctl promote dev prod --dry-run
contains out "source:      $R1/dev/comments@$dev_digest"
contains out "blob     mount"
contains out "tag      create  0.1.0-aaaaaaa"
if skopeo inspect --tls-verify=false --raw "docker://$R1/prod/comments:0.1.0-aaaaaaa" >/dev/null 2>&1; then
  fail "dry run created the prod tag"
fi

echo "# without a terminal, --yes is required"
expect_exit 2 "no --yes" ctl promote dev prod </dev/null
contains err "pass --yes"

echo "# same registry: blobs mounted, no layer bytes uploaded, same digest"
expect_exit 0 "promote" ctl promote dev prod --yes
contains out "transfer:    0 blob(s) uploaded (0 B), 3 mounted"
check "prod digest = dev digest" [ "$(digest_of "$R1/prod/comments:0.1.0-aaaaaaa")" = "$dev_digest" ]
check "every prod blob present" every_blob_present "$R1/prod/comments:0.1.0-aaaaaaa"
# The registry's own storage: a mount links the blob, an upload leaves a session folder.
uploads=$one_DIR/data/docker/registry/v2/repositories/prod/comments/_uploads
if [ -n "$(ls -A "$uploads" 2>/dev/null)" ]; then
  fail "the registry holds blob uploads to prod: $(ls "$uploads")"
fi
check "prod links every layer" [ "$(find "$one_DIR/data/docker/registry/v2/repositories/prod/comments/_layers/sha256" -mindepth 1 -maxdepth 1 | wc -l)" -eq 3 ]
grep -q "digest: $dev_digest" "$WORK/project/releases/prod.yaml" || fail "prod pin lacks the digest"
grep -q 'revision: aaaaaaa' "$WORK/project/releases/prod.yaml" || fail "prod pin lacks the revision"
check "one history line" [ "$(wc -l <"$WORK/project/releases/history/prod.jsonl")" -eq 1 ]
"$CTL" --spec "$SPEC" validate prod >/dev/null || fail "the written prod pin does not validate"

echo "# a rerun is a no-op"
expect_exit 0 "rerun" ctl promote dev prod --yes
contains out "prod already runs $dev_digest; nothing to do"

echo "# a multi-platform index"
"$HERE/make_image.py" "$WORK/layout" 0.1.0-bbbbbbb --revision bbbbbbb --layers 32,128 \
  --platforms linux/amd64,linux/arm64 >/dev/null
push_image "$WORK/layout" 0.1.0-bbbbbbb "$R1/dev/comments:0.1.0-bbbbbbb"
index_digest=$(digest_of "$R1/dev/comments:0.1.0-bbbbbbb")
make_project "$R1/dev/comments" "$R1/prod/comments" 0.1.0-bbbbbbb bbbbbbb
cp "$WORK/project/releases/dev.yaml" "$WORK/dev.yaml"
mark_verified "$index_digest"
expect_exit 0 "promote the index" ctl promote dev prod --yes
contains out "application/vnd.oci.image.index.v1+json"
contains out "linux/arm64"
check "prod index digest = dev index digest" \
  [ "$(digest_of "$R1/prod/comments:0.1.0-bbbbbbb")" = "$index_digest" ]
check "every blob of every platform present" every_blob_present "$R1/prod/comments:0.1.0-bbbbbbb"
for arch in amd64 arm64; do
  a=$(skopeo inspect --tls-verify=false --override-arch "$arch" --format '{{.Digest}}' \
    "docker://$R1/prod/comments:0.1.0-bbbbbbb")
  b=$(skopeo inspect --tls-verify=false --override-arch "$arch" --format '{{.Digest}}' \
    "docker://$R1/dev/comments:0.1.0-bbbbbbb")
  check "$arch child digest" [ "$a" = "$b" ]
done

echo "# a tag that points elsewhere is never moved"
"$HERE/make_image.py" "$WORK/layout" 0.1.0-ccccccc --revision ccccccc --seed other >/dev/null
push_image "$WORK/layout" 0.1.0-ccccccc "$R1/prod/comments:0.1.0-ccccccc"
other=$(digest_of "$R1/prod/comments:0.1.0-ccccccc")
"$HERE/make_image.py" "$WORK/layout2" 0.1.0-ccccccc --revision ccccccc --seed mine >/dev/null
push_image "$WORK/layout2" 0.1.0-ccccccc "$R1/dev/comments:0.1.0-ccccccc"
mine=$(digest_of "$R1/dev/comments:0.1.0-ccccccc")
make_project "$R1/dev/comments" "$R1/prod/comments" 0.1.0-ccccccc ccccccc
mark_verified "$mine"
expect_exit 1 "tag move" ctl promote dev prod --yes
contains err "refusing to move tag 0.1.0-ccccccc of $R1/prod/comments from $other to $mine"
check "prod tag unchanged" [ "$(digest_of "$R1/prod/comments:0.1.0-ccccccc")" = "$other" ]

echo "# history and rollback"
make_project "$R1/dev/comments" "$R1/prod/comments" 0.1.0-aaaaaaa aaaaaaa
mark_verified "$dev_digest"
ctl promote dev prod --yes >/dev/null
cp "$WORK/dev.yaml" "$WORK/project/releases/dev.yaml"
mark_verified "$index_digest"
ctl promote dev prod --yes >/dev/null
expect_exit 0 "history" "$CTL" --spec "$SPEC" history prod
contains out "promote"
contains out "${index_digest:0:19}"
contains out "(current)"
expect_exit 0 "rollback" ctl rollback prod
contains out "back from ${index_digest:0:19} to 0.1.0-aaaaaaa $dev_digest"
grep -q "digest: $dev_digest" "$WORK/project/releases/prod.yaml" || fail "rollback did not pin"
expect_exit 0 "rollback --to" ctl rollback prod --to "$index_digest"
grep -q "digest: $index_digest" "$WORK/project/releases/prod.yaml" || fail "rollback --to did not pin"
expect_exit 1 "rollback to an unknown digest" ctl rollback prod --to "sha256:$(printf '0%.0s' {1..64})"
contains err "is not in the history of prod"
check "four history lines" [ "$(wc -l <"$WORK/project/releases/history/prod.jsonl")" -eq 4 ]

echo "# two registries: every blob streamed, the digest kept"
start_registry two
R2=127.0.0.1:$two_PORT
make_project "$R1/dev/comments" "$R2/prod/comments" 0.1.0-bbbbbbb bbbbbbb
mark_verified "$index_digest"
expect_exit 0 "cross-registry promote" ctl promote dev prod --yes
contains out "blob(s) uploaded"
contains out ", 0 mounted"
check "cross-registry digest" [ "$(digest_of "$R2/prod/comments:0.1.0-bbbbbbb")" = "$index_digest" ]
check "every blob in the second registry" every_blob_present "$R2/prod/comments:0.1.0-bbbbbbb"

echo "# unreachable registry: a clear error, exit 1"
make_project "127.0.0.1:$(free_port)/dev/comments" "$R2/prod/comments" 0.1.0-bbbbbbb bbbbbbb
expect_exit 1 "unreachable" ctl promote dev prod --yes --force
contains err "cannot connect"
finish
