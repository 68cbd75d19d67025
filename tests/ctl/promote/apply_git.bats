#!/usr/bin/env bats
# promote --apply and rollback --apply with a stub kubectl first on PATH (no cluster here): the
# rendered manifests are applied, the rollout awaited, and a failed rollout restores the previous
# pin and applies it. promote --git in a temporary repository: main fast-forwards to dev only
# when the image's revision is dev's head. Run: CTL=PATH/TO/commentsctl bats apply_git.bats

setup() {
  WORK=$BATS_TEST_TMPDIR/work
  mkdir -p "$WORK"
  # shellcheck source=tests/ctl/promote/lib.bash
  source "$BATS_TEST_DIRNAME/lib.bash"
  start_registry one
  R=127.0.0.1:$one_PORT
  # The stub records each call; rollout status fails while $WORK/bad-digest's digest is applied.
  mkdir -p "$WORK/bin"
  cat >"$WORK/bin/kubectl" <<STUB
#!/usr/bin/env bash
echo "kubectl \$*" >>"$WORK/kubectl.log"
if [ "\$1" = apply ]; then cat >"$WORK/applied.yaml"; cp "$WORK/applied.yaml" "$WORK/applied.\$(date +%s%N).yaml"; fi
if [ "\$1" = rollout ] && [ -f "$WORK/bad-digest" ] && grep -qF "\$(cat "$WORK/bad-digest")" "$WORK/applied.yaml"; then
  echo 'error: deployment "comments" exceeded its progress deadline' >&2; exit 1
fi
exit 0
STUB
  chmod +x "$WORK/bin/kubectl"
  PATH=$WORK/bin:$PATH
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
  local history=$WORK/project/releases/history prod=$WORK/project/releases/prod.yaml
  [ -d "$history" ] && mv "$history" "$WORK/keep-history"
  [ -f "$prod" ] && mv "$prod" "$WORK/keep-prod"
  make_project "$R/dev/comments" "$R/prod/comments" "$1" "$2"
  [ -d "$WORK/keep-history" ] && mv "$WORK/keep-history" "$history"
  [ -f "$WORK/keep-prod" ] && mv "$WORK/keep-prod" "$prod"
  mark_verified "$digest"
  DIGEST=$digest
}

@test "promote --apply applies prod and waits for the rollout" {
  push_release 1.0.0-aaaaaaa aaaaaaa
  digest=$DIGEST
  run "$CTL" --spec "$SPEC" promote dev prod --yes --apply --rollout-timeout 90s
  [ "$status" -eq 0 ]
  grep -qx "kubectl apply -f -" "$WORK/kubectl.log"
  grep -qx "kubectl rollout status deployment/comments -n comments --timeout=90s" "$WORK/kubectl.log"
  grep -qF "$R/prod/comments@$digest" "$WORK/applied.yaml"
}

@test "a failed rollout restores the previous pin and applies it" {
  push_release 1.0.0-aaaaaaa aaaaaaa
  good=$DIGEST
  "$CTL" --spec "$SPEC" promote dev prod --yes --apply
  push_release 1.1.0-bbbbbbb bbbbbbb
  bad=$DIGEST
  echo "$bad" >"$WORK/bad-digest"
  run "$CTL" --spec "$SPEC" promote dev prod --yes --apply
  [ "$status" -eq 1 ]
  [[ "$output" == *"did not roll out within 5m"* ]]
  [[ "$output" == *"rolling prod back to $R/prod/comments@$good"* ]]
  grep -q "digest: $good" "$WORK/project/releases/prod.yaml"
  grep -qF "$R/prod/comments@$good" "$WORK/applied.yaml"
  [ "$(grep -c '^kubectl apply' "$WORK/kubectl.log")" -eq 3 ]
  tail -1 "$WORK/project/releases/history/prod.jsonl" | grep -q '"action":"auto-rollback"'
}

@test "rollback --apply applies the earlier release" {
  push_release 1.0.0-aaaaaaa aaaaaaa
  first=$DIGEST
  "$CTL" --spec "$SPEC" promote dev prod --yes
  push_release 1.1.0-bbbbbbb bbbbbbb
  "$CTL" --spec "$SPEC" promote dev prod --yes
  run "$CTL" --spec "$SPEC" rollback prod --apply
  [ "$status" -eq 0 ]
  grep -qF "$R/prod/comments@$first" "$WORK/applied.yaml"
  grep -q "digest: $first" "$WORK/project/releases/prod.yaml"
}

@test "a missing kubectl is a clear error" {
  push_release 1.0.0-aaaaaaa aaaaaaa
  run "$CTL" --spec "$SPEC" promote dev prod --yes --apply --kubectl "$WORK/no-such-kubectl"
  [ "$status" -eq 1 ]
  [[ "$output" == *"apply failed (exit 127: not found on PATH)"* ]]
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
