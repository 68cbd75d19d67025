#!/usr/bin/env bash
# Checks the code against the repository's style files; exits 1 when any part finds something.
#   scripts/lint.sh [options] [format|shellcheck|tidy …]     (no part: all three)
#   - format: clang-format (.clang-format) in check mode over every tracked C++ file
#   - shellcheck: shellcheck (.shellcheckrc) over every tracked shell script
#   - tidy: clang-tidy (.clang-tidy) over the service's and commentsctl's sources, with the
#     compile_commands.json of a configured build tree (cmake --preset dev writes one). The sources
#     are checked in batches: each batch is one generated file including several sources with the
#     same compile command, so Boost is parsed once per batch instead of once per source. Its name
#     contains "UnifiedSource", which makes clang's static analyzer treat the included .cpp files as
#     main files, and .clang-tidy's HeaderFilterRegex reports what is found in them. The static
#     analyzer (clang-analyzer-*) runs in its shallow mode (less inlining across calls), which
#     costs a fifth of the default deep mode.
#   --fix              format: rewrite the files instead of checking them
#   --build-dir DIR    tidy: the build tree whose compile_commands.json is read (default build/dev)
#   --batch N          tidy: at most N sources per batch (default 32; 1: each source on its own)
#   --deep             tidy: the static analyzer in its default (deep) mode: five times slower
#   -j N               tidy: clang-tidy processes at once (default: nproc)
#   --files REGEX      tidy: only the sources whose path matches REGEX (e.g. 'service/http/')
set -euo pipefail

usage() {
  sed -n '2,19s/^# \{0,1\}//p' "$0"
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
batch=32
analyzer_mode=shallow
parts=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --fix) fix=1 ;;
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a directory"; build_dir=$2; shift ;;
    --deep) analyzer_mode=deep ;;
    --batch) [ $# -ge 2 ] || die "--batch needs a number"; batch=$2; shift ;;
    -j) [ $# -ge 2 ] || die "-j needs a number"; jobs=$2; shift ;;
    --files) [ $# -ge 2 ] || die "--files needs a regular expression"; files_regex=$2; shift ;;
    format|shellcheck|tidy) parts+=("$1") ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[ ${#parts[@]} -gt 0 ] || parts=(format shellcheck tidy)
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "-j needs a positive number, not '$jobs'"
[[ "$batch" =~ ^[1-9][0-9]*$ ]] || die "--batch needs a positive number, not '$batch'"

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

# One clang-tidy per batch of sources, its report printed in one piece, warnings counted as errors.
lint_tidy() {
  require clang-tidy
  require python3
  local db=$build_dir/compile_commands.json t0=$SECONDS
  [ -f "$db" ] || die "$db not found; configure a build tree first: cmake --preset dev"
  local unity_dir=$build_dir/tidy
  rm -rf "$unity_dir"
  mkdir -p "$unity_dir"
  # The project's own sources (not generated ones, not tests) that the build tree compiles, grouped
  # by compile command (a command's -I and -D apply to every source of the batch) in build order,
  # cut into batches; each batch becomes $unity_dir/UnifiedSource-N.cpp with its own entry in
  # $unity_dir/compile_commands.json.
  python3 - "$db" "$root" "$files_regex" "$batch" "$unity_dir" <<'EOF' >"$tidy_list"
import json, os, re, shlex, sys
db, root, regex, size, out = sys.argv[1], sys.argv[2], re.compile(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
groups = {}
for entry in json.load(open(db)):
    source = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    path = os.path.relpath(source, root)
    if path.split("/")[0] not in ("service", "ctl") or not regex.search(path):
        continue
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    i = args.index("-c")
    args = args[:i] + args[i + 2:]
    if "-o" in args:
        i = args.index("-o")
        args = args[:i] + args[i + 2:]
    groups.setdefault((entry["directory"], tuple(args)), []).append(source)
batches = []
for (directory, args), sources in groups.items():
    for i in range(0, len(sources), size):
        batches.append((directory, list(args), sources[i:i + size]))
commands = []
for n, (directory, args, sources) in enumerate(batches):
    unity = sources[0]  # a batch of one is checked as it is compiled
    if len(sources) > 1:
        unity = os.path.abspath(os.path.join(out, "UnifiedSource-%d.cpp" % n))
        with open(unity, "w") as f:
            f.write("// Generated by scripts/lint.sh tidy: one clang-tidy batch.\n")
            for source in sources:
                f.write('#include "%s" // NOLINT(bugprone-suspicious-include)\n' % source)
    commands.append({"directory": directory, "arguments": args + ["-c", unity], "file": unity})
    sys.stdout.write(unity + "\0")
json.dump(commands, open(os.path.join(out, "compile_commands.json"), "w"), indent=1)
sys.stderr.write("lint.sh: tidy: checking %d sources in %d batches\n" % (sum(len(b[2]) for b in batches), len(batches)))
open(os.path.join(out, "sources"), "w").write(str(sum(len(b[2]) for b in batches)))
EOF
  [ -s "$tidy_list" ] || die "no sources in $db match '$files_regex'"
  local sources
  sources=$(<"$unity_dir/sources")
  # shellcheck disable=SC2016 # $0, $1 and $2 belong to the inner shell
  if xargs -0 -P "$jobs" -n 1 bash -c \
    'out=$(clang-tidy -p "$0" --quiet --warnings-as-errors="*" --extra-arg=-Xclang \
       --extra-arg=-analyzer-config --extra-arg=-Xclang --extra-arg="mode=$1" "$2" 2>&1) && exit 0
     printf "%s\n" "$out"; exit 1' "$unity_dir" "$analyzer_mode" <"$tidy_list" >"$tidy_out"; then
    echo "lint.sh: tidy: $sources files clean in $((SECONDS - t0)) s" >&2
    return 0
  fi
  cat "$tidy_out"
  # The same finding in a header is reported by every batch that includes it: count it once.
  echo "lint.sh: tidy: $(grep -E ': (warning|error): ' "$tidy_out" | sort -u | wc -l) finding(s) in $sources files ($((SECONDS - t0)) s)" >&2
  return 1
}

tidy_list=$(mktemp)
tidy_out=$(mktemp)
trap 'rm -f "$tidy_list" "$tidy_out"' EXIT
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
