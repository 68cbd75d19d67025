#!/usr/bin/env bash
# Checks the code against the repository's style files; exits 1 when any part finds something.
#   scripts/lint.sh [options] [format|shellcheck|tidy …]     (no part: all three)
#   - format: clang-format (.clang-format) in check mode over every tracked C++ file
#   - shellcheck: shellcheck (.shellcheckrc) over every tracked shell script
#   - tidy: clang-tidy (.clang-tidy) over the service's and commentsctl's sources, with the
#     compile_commands.json of a configured build tree (cmake --preset dev writes one)
#   --fix              format: rewrite the files instead of checking them
#   --build-dir DIR    tidy: the build tree (default build/dev)
#   -j N               tidy: clang-tidy processes at once (default: nproc)
#   --files REGEX      tidy: only the sources whose path matches REGEX (e.g. 'service/http/')
set -euo pipefail

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0"
}

die() {
  echo "lint.sh: $*" >&2
  exit 2
}

require() {
  command -v "$1" >/dev/null 2>&1 ||
    die "$1 not found; install the test tools with: bash scripts/deps.sh test"
}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fix=0
build_dir=build/dev
jobs=$(nproc)
files_regex=.
parts=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --fix) fix=1 ;;
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a directory"; build_dir=$2; shift ;;
    -j) [ $# -ge 2 ] || die "-j needs a number"; jobs=$2; shift ;;
    --files) [ $# -ge 2 ] || die "--files needs a regular expression"; files_regex=$2; shift ;;
    format|shellcheck|tidy) parts+=("$1") ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[ ${#parts[@]} -gt 0 ] || parts=(format shellcheck tidy)
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "-j needs a positive number, not '$jobs'"

# The tracked files of one kind, NUL-separated: what git knows is the project's, never build output.
cpp_files() {
  git ls-files -z -- '*.cpp' '*.hpp' '*.h'
}

# Shell scripts by extension, plus tracked files without one whose first line is a sh/bash shebang.
shell_files() {
  git ls-files -z -- '*.sh' '*.bash'
  local f
  while IFS= read -r -d '' f; do
    case "${f##*/}" in *.*) continue ;; esac
    if [ -f "$f" ] && head -n1 "$f" | grep -qE '^#!(/usr/bin/env )?(/bin/|/usr/bin/)?(ba)?sh\b'; then
      printf '%s\0' "$f"
    fi
  done < <(git ls-files -z)
}

lint_format() {
  require clang-format
  if [ "$fix" -eq 1 ]; then
    cpp_files | xargs -0 clang-format -i
  else
    cpp_files | xargs -0 clang-format --dry-run -Werror
  fi
}

lint_shellcheck() {
  require shellcheck
  shell_files | xargs -0 shellcheck
}

# One clang-tidy per source, its report printed in one piece, warnings counted as errors.
lint_tidy() {
  require clang-tidy
  require python3
  local db=$build_dir/compile_commands.json
  [ -f "$db" ] || die "$db not found; configure a build tree first: cmake --preset dev"
  # The project's own sources (not generated ones, not tests) that the build tree compiles.
  python3 - "$db" "$root" "$files_regex" <<'EOF' >"$tidy_list"
import json, os, re, sys
db, root, regex = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
for entry in json.load(open(db)):
    path = os.path.relpath(os.path.join(entry["directory"], entry["file"]), root)
    if path.split("/")[0] in ("service", "ctl") and regex.search(path):
        sys.stdout.write(path + "\0")
EOF
  [ -s "$tidy_list" ] || die "no sources in $db match '$files_regex'"
  # shellcheck disable=SC2016 # $0 and $1 belong to the inner shell
  xargs -0 -P "$jobs" -n 1 bash -c \
    'out=$(clang-tidy -p "$0" --quiet --warnings-as-errors="*" "$1" 2>&1) && exit 0
     printf "%s\n" "$out"; exit 1' "$build_dir" <"$tidy_list"
}

tidy_list=$(mktemp)
trap 'rm -f "$tidy_list"' EXIT
failed=()
for part in "${parts[@]}"; do
  echo "lint.sh: $part" >&2
  if ! "lint_$part"; then
    failed+=("$part")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint.sh: failed: ${failed[*]}" >&2
  exit 1
fi
