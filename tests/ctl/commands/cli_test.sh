#!/usr/bin/env bash
# The commentsctl binary's command line: help, usage errors (exit 2), validation errors (exit 1),
# and output on the right stream. Run from the repository root: cli_test.sh PATH/TO/commentsctl
set -euo pipefail

ctl=${1:?usage: cli_test.sh COMMENTSCTL}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code.
expect() {
  local want=$1 what=$2 got=0
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, want $want; stderr: $(cat "$tmp/err")"
    failures=$((failures + 1))
  fi
}
# contains FILE TEXT: the last command's stdout or stderr holds TEXT.
contains() {
  if ! grep -qF -- "$2" "$tmp/$1"; then
    echo "FAIL: $1 lacks '$2': $(cat "$tmp/$1")"
    failures=$((failures + 1))
  fi
}

expect 0 "help" -- "$ctl" --help
contains out "render"
expect 0 "subcommand help" -- "$ctl" render --help
contains out "--out DIR"
expect 2 "no subcommand" -- "$ctl"
expect 2 "unknown subcommand" -- "$ctl" deploy
expect 2 "render without environment" -- "$ctl" render
expect 2 "unknown option" -- "$ctl" validate --strict
expect 2 "unknown environment" -- "$ctl" render staging
contains err 'no environment "staging"'

expect 0 "validate the committed spec" -- "$ctl" validate
contains out "k8s/comments.yaml: valid"
expect 0 "render dev" -- "$ctl" render dev
contains out "kind: Deployment"
expect 0 "--spec after the subcommand" -- "$ctl" render test --spec tests/ctl/specs/sqlite-minimal.yaml
contains out "namespace: comments-test"

# get: one fact of the spec per line, for scripts.
is() {  # is WHAT WANT: stdout of the last expect is exactly WANT
  if [ "$(cat "$tmp/out")" != "$2" ]; then
    echo "FAIL: $1: printed '$(cat "$tmp/out")', want '$2'"
    failures=$((failures + 1))
  fi
}
expect 0 "get namespace" -- "$ctl" get dev namespace
is "get dev namespace" comments-dev
expect 0 "get deployment" -- "$ctl" get local deployment
is "get local deployment" comments
expect 0 "get port" -- "$ctl" get prod port
is "get prod port" 8000
expect 0 "get repository" -- "$ctl" get local repository
is "get local repository" localhost/comments
expect 0 "get tls-verify, remote registry" -- "$ctl" get dev tls-verify
is "get dev tls-verify" true
expect 0 "get tls-verify, loopback registry" -- "$ctl" get local tls-verify
is "get local tls-verify" false
expect 2 "get an unknown field" -- "$ctl" get dev replicas
expect 2 "get an unknown environment" -- "$ctl" get staging namespace
contains err 'no environment "staging"'

printf 'app: {name: comments}\ndefaults: {replics: 1}\nenvironments: {dev: {namespace: dev}}\n' \
  >"$tmp/bad.yaml"
expect 1 "invalid spec" -- "$ctl" --spec "$tmp/bad.yaml" validate
contains err "$tmp/bad.yaml:2:12: unknown key \"replics\" in defaults (did you mean \"replicas\"?)"
if [ -s "$tmp/out" ]; then
  echo "FAIL: an invalid spec printed on stdout"
  failures=$((failures + 1))
fi
expect 1 "render an invalid spec" -- "$ctl" --spec "$tmp/bad.yaml" render dev
expect 1 "missing spec" -- "$ctl" --spec "$tmp/none.yaml" validate
contains err "$tmp/none.yaml:1:1: cannot read the file"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok"
