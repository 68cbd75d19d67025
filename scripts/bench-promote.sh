#!/usr/bin/env bash
# Promotion across two loopback registries: commentsctl promote against skopeo copy --all
# --preserve-digests of the same image in the same run, each into a fresh registry, printing
# wall time and peak RSS (/usr/bin/time -v) of each, then the ratio of the median times
# (commentsctl / skopeo; the target is 0.8 or less).
#   scripts/bench-promote.sh [--ctl PATH] [--layers KIB,KIB,...] [--rounds N]
#     --ctl     commentsctl to measure (default: build/release/bin/commentsctl, else build/dev)
#     --layers  layer sizes in KiB (default 8192,24576,32768: 64 MiB of incompressible layers)
#     --rounds  measurements of each tool, alternating (default 5)
set -euo pipefail

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }
root=$(cd "$(dirname "$0")/.." && pwd)
ctl="" layers=8192,24576,32768 rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --ctl) ctl=${2:?--ctl needs a path}; shift ;;
    --layers) layers=${2:?--layers needs sizes}; shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    *) echo "bench-promote.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$ctl" ]; then
  for c in "$root/build/release/bin/commentsctl" "$root/build/dev/bin/commentsctl"; do
    if [ -x "$c" ]; then ctl=$c; break; fi
  done
fi
[ -x "$ctl" ] || { echo "bench-promote.sh: no commentsctl; build it or pass --ctl PATH" >&2; exit 1; }
for tool in docker-registry skopeo python3 /usr/bin/time; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-promote.sh: missing $tool: run scripts/deps.sh test" >&2; exit 1; }
done

work=$(mktemp -d)
dirs=()
cleanup() {
  for d in "${dirs[@]}"; do "$root/scripts/registry.sh" stop --dir "$d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
registry() {  # registry NAME: starts a fresh registry, prints its address
  dirs+=("$work/$1")
  "$root/scripts/registry.sh" start --dir "$work/$1"
}

src=$(registry src)
"$root/tests/ctl/promote/make_image.py" "$work/layout" bench --revision 0000000 --layers "$layers" >/dev/null
skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false \
  oci:"$work/layout":bench "docker://$src/dev/comments:bench"
size=$(du -sb "$work/layout/blobs" | cut -f1)
digest=$(skopeo inspect --tls-verify=false --raw "docker://$src/dev/comments:bench" | sha256sum | cut -d' ' -f1)
echo "image: $src/dev/comments:bench sha256:${digest:0:12}, $((size / 1024 / 1024)) MiB of blobs"
echo "commentsctl: $ctl"

# measure LABEL COMMAND...: prints "LABEL  seconds  peak RSS" from /usr/bin/time -v and adds the
# seconds to LABEL's list in $work/LABEL.times.
measure() {
  local label=$1; shift
  /usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
  printf '%-12s %8.2f s %8.1f MiB peak RSS\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
  echo "$wall" >>"$work/$label.times"
}
median() { sort -g "$work/$1.times" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for round in $(seq "$rounds"); do
  dst=$(registry "ctl$round")
  mkdir -p "$work/p$round/releases"
  cat >"$work/p$round/comments.yaml" <<YAML
app: {name: comments}
defaults:
  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1", memory: 256Mi}}
environments:
  dev: {namespace: comments-dev, image: {repository: $src/dev/comments}}
  prod: {namespace: comments, image: {repository: $dst/prod/comments}}
YAML
  printf 'environment: dev\nimage: {repository: %s/dev/comments, tag: bench, digest: "sha256:%s"}\nverified: {digest: "sha256:%s", url: bench, at: "2025-01-01T00:00:00Z"}\n' \
    "$src" "$digest" "$digest" >"$work/p$round/releases/dev.yaml"
  measure "commentsctl" "$ctl" --spec "$work/p$round/comments.yaml" promote dev prod --yes
  "$root/scripts/registry.sh" stop --dir "$work/ctl$round"  # an idle registry less for the next
  dst=$(registry "skopeo$round")
  measure "skopeo" skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://$src/dev/comments:bench" "docker://$dst/prod/comments:bench"
  got=$(skopeo inspect --tls-verify=false --raw "docker://$dst/prod/comments:bench" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$digest" ] || { echo "skopeo changed the digest: $got" >&2; exit 1; }
  "$root/scripts/registry.sh" stop --dir "$work/skopeo$round"
done
ctl_median=$(median commentsctl)
skopeo_median=$(median skopeo)
awk -v c="$ctl_median" -v s="$skopeo_median" -v n="$rounds" 'BEGIN {
  printf "median of %d: commentsctl %.2f s, skopeo %.2f s; ratio %.2f (target <= 0.80)\n", n, c, s, c / s
}'
