#!/usr/bin/env bats
# promote --git in a temporary repository: main fast-forwards to dev only when the image's
# revision is dev's head. (promote --apply and rollback --apply run against a cluster: apply.bats.)
# Run: CTL=PATH/TO/commentsctl bats git.bats

setup() {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  # shellcheck source=tests/ctl/promote/lib.bash
  source "$BATS_TEST_DIRNAME/lib.bash"
  start_registry one
  R=127.0.0.1:$one_PORT
}

teardown() {
  cleanup
}

# push_release TAG REVISION [SEED]: an image in dev, the dev pin for it, marked verified; its
# digest in DIGEST.
push_release() {
  "$HERE/make_image.py" "$WORK/layout" "$1" --revision "$2" --seed "${3:-$1}" >/dev/null
  push_image "$WORK/layout" "$1" "$R/dev/comments:$1"
  local digest
  digest=$(digest_of "$R/dev/comments:$1")
  make_project "$R/dev/comments" "$R/prod/comments" "$1" "$2"
  mark_verified "$digest"
  DIGEST=$digest
}

# git_repo: a repository whose dev branch is one commit ahead of main; prints dev's commit.
git_repo() {
  local g=$WORK/repo
  git init -q -b main "$g"
  git -C "$g" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m one
  git -C "$g" checkout -q -b dev
  git -C "$g" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m two
  git -C "$g" checkout -q main
  git -C "$g" rev-parse dev
}

@test "promote --git fast-forwards main to the image's revision" {
  commit=$(git_repo)
  push_release 1.0.0-"${commit:0:7}" "$commit"
  run "$CTL" --spec "$SPEC" promote dev prod --yes --git --git-dir "$WORK/repo"
  [ "$status" -eq 0 ]
  [ "$(git -C "$WORK/repo" rev-parse main)" = "$commit" ]
  [ -z "$(git -C "$WORK/repo" status --porcelain)" ]
}

@test "promote --git refuses an image that is not dev's head, before copying" {
  commit=$(git_repo)
  before=$(git -C "$WORK/repo" rev-parse main)
  push_release 1.0.0-0123456 0123456789abcdef0123456789abcdef01234567
  run "$CTL" --spec "$SPEC" promote dev prod --yes --git --git-dir "$WORK/repo"
  [ "$status" -eq 1 ]
  [[ "$output" == *"was built from revision \"0123456789abcdef0123456789abcdef01234567\", but dev is at $commit"* ]]
  [ "$(git -C "$WORK/repo" rev-parse main)" = "$before" ]
  ! skopeo inspect --tls-verify=false --raw "docker://$R/prod/comments:1.0.0-0123456" >/dev/null 2>&1
}
