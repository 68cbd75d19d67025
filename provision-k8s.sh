#!/usr/bin/env bash
# Provisions a laptop Kubernetes cluster (minikube) running the comments service's dev
# environment, rendered by commentsctl from k8s/comments.yaml. Idempotent: run it again to
# rebuild the image and roll it out; nothing is started twice.
#
# Usage: ./provision-k8s.sh [--with-monitoring] [--delete] [--profile NAME] [--cpus N]
#                           [--memory MB] [--driver NAME] [--help]
#   --with-monitoring  also install Prometheus + Grafana (kube-prometheus-stack via helm) with the
#                      service's ServiceMonitor, alert rules and dashboard
#   --delete           delete the minikube profile and everything in it
#   --profile NAME     minikube profile (default: comments; env MINIKUBE_PROFILE)
#   --cpus N           CPUs for a new cluster (default: 2; env MINIKUBE_CPUS)
#   --memory MB        memory for a new cluster (default: 4096; env MINIKUBE_MEMORY)
#   --driver NAME      minikube driver for a new cluster (default: docker or podman, whichever runs)
# Environment: COMMENTSCTL (path to commentsctl; default: build it), LOCAL_PORT (port-forward
# port for the smoke test, default 18000), ROLLOUT_TIMEOUT (default 180s).
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
profile=${MINIKUBE_PROFILE:-comments}
cpus=${MINIKUBE_CPUS:-2}
memory=${MINIKUBE_MEMORY:-4096}
driver=${MINIKUBE_DRIVER:-}
monitoring=false
delete=false
local_port=${LOCAL_PORT:-18000}
rollout_timeout=${ROLLOUT_TIMEOUT:-180s}
env_name=dev

usage() { sed -n '2,18s/^# \{0,1\}//p' "$0"; }
step() { printf '\n==> %s\n' "$*"; }
die() { printf 'provision-k8s.sh: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --with-monitoring) monitoring=true; shift ;;
    --delete) delete=true; shift ;;
    --profile) profile=${2:?--profile needs a name}; shift 2 ;;
    --cpus) cpus=${2:?--cpus needs a number}; shift 2 ;;
    --memory) memory=${2:?--memory needs megabytes}; shift 2 ;;
    --driver) driver=${2:?--driver needs a name}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

# --- preflight: every tool, its version, and what to install when it is missing -------------
need() {  # command, how to install
  if ! command -v "$1" >/dev/null 2>&1; then
    die "$1 not found: $2"
  fi
}
preflight() {
  step "Preflight"
  need minikube "install minikube: https://minikube.sigs.k8s.io/docs/start/"
  need kubectl "install kubectl: https://kubernetes.io/docs/tasks/tools/ (or use 'minikube kubectl --')"
  if [ "$monitoring" = true ]; then
    need helm "install helm 3 or 4: https://helm.sh/docs/intro/install/ (needed by --with-monitoring)"
  fi
  engine=""
  for candidate in docker podman; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
      engine=$candidate
      break
    fi
  done
  [ -n "$engine" ] || die "no working container engine: install Docker (https://docs.docker.com/engine/install/) or podman, and start it"
  [ -n "$driver" ] || driver=$engine
  echo "minikube: $(minikube version --short 2>/dev/null || minikube version | head -n1)"
  echo "kubectl:  $(kubectl version --client 2>/dev/null | head -n1)"
  [ "$monitoring" = true ] && echo "helm:     $(helm version --short 2>/dev/null)"
  echo "engine:   $engine ($("$engine" --version 2>/dev/null | head -n1))"
  return 0
}

commentsctl_bin() {
  if [ -n "${COMMENTSCTL:-}" ]; then
    echo "$COMMENTSCTL"
    return
  fi
  if [ ! -x "$root/build/release/bin/commentsctl" ]; then
    bash "$root/scripts/deps.sh" build >&2
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target commentsctl >&2
  fi
  echo "$root/build/release/bin/commentsctl"
}

if [ "$delete" = true ]; then
  need minikube "install minikube: https://minikube.sigs.k8s.io/docs/start/"
  step "Deleting minikube profile $profile"
  minikube delete -p "$profile"
  exit 0
fi

preflight
ctl=$(commentsctl_bin)
kube=(kubectl --context "$profile")

step "Cluster (minikube profile $profile)"
if minikube status -p "$profile" >/dev/null 2>&1; then
  echo "profile $profile is running: reusing it"
else
  minikube start -p "$profile" --driver "$driver" --cpus "$cpus" --memory "$memory"
fi
for addon in registry metrics-server; do
  minikube addons enable "$addon" -p "$profile" >/dev/null
  echo "addon $addon enabled"
done

step "Image"
revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo dev)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
  revision="$revision-dirty-$(date +%s)"   # never reuse a tag for different content
fi
image=localhost/comments:$revision
# Built by the cluster's own runtime: no registry round trip, and idempotent per revision.
minikube image build -p "$profile" -t "$image" --build-opt=build-arg=REVISION="$revision" "$root"

step "Render and apply the $env_name environment"
releases=$(mktemp -d)
trap 'rm -rf "$releases"' EXIT
cp "$root"/k8s/releases/*.yaml "$releases"/
"$ctl" --spec "$root/k8s/comments.yaml" --releases "$releases" pin "$env_name" \
  --repository localhost/comments --tag "$revision" --from provision-k8s
namespace=$("$ctl" --spec "$root/k8s/comments.yaml" --releases "$releases" render "$env_name" |
  awk '/^kind: Namespace/ {ns=1} ns && /^  name:/ {print $2; exit}')
"$ctl" --spec "$root/k8s/comments.yaml" --releases "$releases" render "$env_name" | "${kube[@]}" apply -f -
"${kube[@]}" -n "$namespace" rollout status deployment/comments --timeout "$rollout_timeout"

step "Smoke test through a port-forward"
"${kube[@]}" -n "$namespace" port-forward svc/comments "$local_port:8000" >/dev/null 2>&1 &
forward=$!
trap 'kill "$forward" 2>/dev/null || true; rm -rf "$releases"' EXIT
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$local_port/healthz" 2>/dev/null && break
  sleep 0.2
done
"$ctl" smoke "http://127.0.0.1:$local_port"
kill "$forward" 2>/dev/null || true

if [ "$monitoring" = true ]; then
  step "Monitoring (kube-prometheus-stack)"
  helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null 2>&1 || true
  helm repo update prometheus-community >/dev/null
  helm upgrade --install monitoring prometheus-community/kube-prometheus-stack \
    --kube-context "$profile" -n monitoring --create-namespace --wait --timeout 10m \
    --set grafana.sidecar.dashboards.enabled=true --set grafana.sidecar.dashboards.searchNamespace=ALL \
    --set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false \
    --set prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false
  # Our alert rules and dashboard come from the chart's single source of truth; the
  # ServiceMonitor selects the Service that commentsctl rendered.
  helm template comments "$root/charts/comments" -n "$namespace" \
    --set prometheusRule.enabled=true --set grafanaDashboard.enabled=true \
    --show-only templates/prometheusrule.yaml --show-only templates/grafana-dashboard.yaml |
    "${kube[@]}" apply -f -
  "${kube[@]}" apply -f - <<EOT
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: comments
  namespace: $namespace
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: comments
  endpoints:
    - port: http
      path: /metrics
      interval: 30s
      relabelings:
        - targetLabel: job
          replacement: comments
EOT
  echo "Grafana:  kubectl --context $profile -n monitoring port-forward svc/monitoring-grafana 3000:80"
  echo "          then http://localhost:3000 (user admin, password: kubectl --context $profile -n monitoring get secret monitoring-grafana -o jsonpath='{.data.admin-password}' | base64 -d)"
fi

step "Ready"
cat <<EOT
kubectl --context $profile -n $namespace port-forward svc/comments 8000:8000
curl -s -X POST localhost:8000/api/comment/new -H 'Content-Type: application/json' \\
     -d '{"email":"alice@example.com","comment":"first post!","content_id":1}'
curl -s localhost:8000/api/comment/list/1
EOT
