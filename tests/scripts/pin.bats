#!/usr/bin/env bats
# `commentsctl pin`, the pipeline's way to record a pushed image: the real binary, a scratch
# releases folder.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  CTL=${COMMENTSCTL:?COMMENTSCTL must name the built commentsctl}
  REL=$BATS_TEST_TMPDIR/releases
  mkdir -p "$REL"
  DIGEST=sha256:$(printf '0123456789abcdef%.0s' 1 2 3 4)
}

ctl() { "$CTL" --spec "$ROOT/k8s/comments.yaml" --releases "$REL" "$@"; }

@test "without a pin, --field repository names the spec's repository" {
  run ctl pin dev --field repository
  [ "$status" -eq 0 ]
  [ "$output" = "registry.example.com/comments/dev" ]
}

@test "a written pin is shown whole and field by field, and recorded in the history" {
  run ctl pin dev --tag rev1 --digest "$DIGEST" --revision rev1 --from deploy.sh
  [ "$status" -eq 0 ]
  [[ "$output" == "pinned dev to registry.example.com/comments/dev@$DIGEST"* ]]
  run ctl pin dev --field image
  [ "$output" = "registry.example.com/comments/dev@$DIGEST" ]
  run ctl pin dev --field tag
  [ "$output" = "rev1" ]
  run ctl pin dev
  [[ "$output" == *"do not edit by hand"* ]]
  [[ "$output" == *"revision: rev1"* ]]
  run ctl history dev
  [ "$status" -eq 0 ]
  [[ "$output" == *"$DIGEST"* ]] || [[ "$output" == *"${DIGEST:7:12}"* ]]
}

@test "bad values are refused and nothing is written" {
  run ctl pin dev --tag latest
  [ "$status" -eq 1 ]
  [[ "$output" == *"never latest"* ]]
  run ctl pin dev --tag ok --digest sha256:xyz
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not sha256:<64 lowercase hex>"* ]]
  run ctl pin dev --tag ok --repository elsewhere.example/x
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not dev's repository"* ]]
  [ ! -e "$REL/dev.yaml" ]
  run ctl pin nowhere --tag ok
  [ "$status" -eq 2 ]
}

@test "prod, which requires a digest, refuses a pin by tag alone" {
  run ctl pin prod --tag rev1
  [ "$status" -eq 1 ]
  [ ! -e "$REL/prod.yaml" ]
}

@test "a pin by tag alone is recorded in a history that history reads (issue 18)" {
  run ctl pin dev --tag rev2 --revision rev2
  [ "$status" -eq 0 ]
  [ "$output" = "pinned dev to registry.example.com/comments/dev:rev2 in $REL/dev.yaml" ]
  run ctl history dev
  [ "$status" -eq 0 ]
  [[ "$output" != *"corrupt"* ]] && [[ "$output" != *"required"* ]]
  [[ "$output" =~ pin\ +rev2\ .*\(current\) ]]
  run ctl history dev --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"action":"pin"'*'"tag":"rev2"'* ]]
}
