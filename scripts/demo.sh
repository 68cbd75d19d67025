#!/usr/bin/env bash
# Demo of the comments widget: runs comments-service and, as another site, a sample article page
# that embeds the widget, then prints the page's URL, and the moderation page's with its token
# (a new one each run). Ctrl-C stops both; every run starts afresh.
#   scripts/demo.sh [--port N] [--page-port N] [--service PATH] [--seed N] [-- service flags…]
#     --port N        the service's port (default 8000; 0: any free port)
#     --page-port N   the article page's port (default 8080; 0: any free port)
#     --service PATH  run this comments-service instead of building the release preset
#     --seed N        comments the article starts with (default 25: more than one page of 20)
#   e.g. scripts/demo.sh -- --rate-limit 0.2     (post quickly to see the rate-limit message)
set -euo pipefail

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0"
}
die() {
  echo "demo.sh: $*" >&2
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
port=8000
page_port=8080
service=""
seed=25
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --port) [ $# -ge 2 ] || die "--port needs a value"; port=$2; shift 2 ;;
    --page-port) [ $# -ge 2 ] || die "--page-port needs a value"; page_port=$2; shift 2 ;;
    --service) [ $# -ge 2 ] || die "--service needs a value"; service=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a value"; seed=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for n in "$port" "$page_port" "$seed"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a number"
done

if [ -z "$service" ]; then
  bash "$root/scripts/deps.sh" demo
  cmake -S "$root" --preset release >/dev/null
  cmake --build "$root/build/release" --target comments-service
  service="$root/build/release/bin/comments-service"
fi
[ -x "$service" ] || die "$service is not an executable comments-service"
for tool in python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run scripts/deps.sh demo"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/comments-demo.XXXXXX")
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# Prints the first match of a sed expression in a log file, polling until deadline; fails when
# the process writing it has exited or 20 s passed.
await_line() {
  local file=$1 expr=$2 pid=$3 found deadline=$((SECONDS + 20))
  while [ "$SECONDS" -lt "$deadline" ]; do
    found=$(sed -n -E "$expr" "$file" | head -n 1)
    if [ -n "$found" ]; then
      echo "$found"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# Starts comments-service on the demo's database in the background; sets $service_pid and
# $service_port once it listens.
start_service() {
  local log=$1
  shift
  "$service" --listen 127.0.0.1 --storage "sqlite:$work/comments.db" --shutdown-delay 0s "$@" \
    >"$log" 2>&1 &
  service_pid=$!
  pids+=("$service_pid")
  if ! service_port=$(await_line "$log" 's/.*"msg":"listening".*"port":([0-9]+).*/\1/p' "$service_pid"); then
    cat "$log" >&2
    die "comments-service did not start (its output is above)"
  fi
}

# The article page, served as another site would serve it: from another origin.
mkdir -p "$work/site"
cp "$root/scripts/demo/article.css" "$work/site/"
python3 -u -m http.server --bind 127.0.0.1 --directory "$work/site" "$page_port" >"$work/page.log" 2>&1 &
page_pid=$!
pids+=("$page_pid")
if ! page_port=$(await_line "$work/page.log" 's/^Serving HTTP on .* port ([0-9]+) .*/\1/p' "$page_pid"); then
  cat "$work/page.log" >&2
  die "the article page's server did not start (its output is above)"
fi
page="http://127.0.0.1:$page_port"

# Seeded by a first run without the extra flags, so that --rate-limit cannot refuse the seed.
start_service "$work/seed.log" --port 0 --log-level warn
for ((i = 1; i <= seed; i++)); do
  text="Comment $i of the demo."
  if [ "$i" -eq 3 ]; then
    text="$text Markup such as <b>this</b> shows as typed."
  fi
  body=$(printf '{"email":"reader%d@example.com","comment":"%s","content_id":42}' "$(( (i - 1) % 5 + 1 ))" "$text")
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$service_port/api/comment/new" \
    -H 'Content-Type: application/json' -d "$body" || die "seeding comment $i failed"
done
kill "$service_pid"
wait "$service_pid" || die "the seeding run of comments-service did not stop cleanly"
pids=("$page_pid")

# The moderation API and /admin need a token file: one moderator, "demo", with a fresh token.
token="demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
(umask 077 && printf 'demo:%s\n' "$token" >"$work/admin-tokens")
start_service "$work/service.log" --port "$port" --cors-origins "$page" \
  --admin-token-file "$work/admin-tokens" "${extra[@]}"
api="http://127.0.0.1:$service_port"
sed "s|@SERVICE@|$api|g" "$root/scripts/demo/index.html" >"$work/site/index.html"

cat <<EOF
The comments demo is running:
  article page  $page/    <- open this in a browser
  service       $api/    (widget: $api/embed.js)
  moderation    $api/admin    token: $token
  logs          $work/service.log
Ctrl-C stops both.
EOF
# Ends when either process does (the service after Ctrl-C, or a crash).
wait -n "$service_pid" "$page_pid" || true
