#!/usr/bin/env bash
# Provisions a laptop Kubernetes cluster (minikube) running the comments service's `local`
# environment of k8s/comments.yaml: the image minikube builds from this checkout, rendered by
# commentsctl. Idempotent: run it again to rebuild the image (same sources, same tag) and roll it
# out; nothing is started twice. The laptop's release pin lives in .tools/provision/<profile>/,
# never in k8s/releases/, and its own namespace keeps deploy.sh and promote away from it.
#
# Usage: ./provision-k8s.sh [--with-monitoring] [--delete] [--profile NAME] [--cpus N]
#                           [--memory MB] [--driver NAME] [--help]
#   --with-monitoring  also install Prometheus + Grafana (kube-prometheus-stack via helm) with the
#                      service's ServiceMonitor, alert rules and dashboard
#   --delete           delete the minikube profile and everything in it, and the laptop's pin
#   --profile NAME     minikube profile and kubectl context (default: comments; env MINIKUBE_PROFILE)
#   --cpus N           CPUs for a new cluster (default: 2; env MINIKUBE_CPUS)
#   --memory MB        memory for a new cluster (default: 4096; env MINIKUBE_MEMORY)
#   --driver NAME      minikube driver for a new cluster (default: docker or podman, whichever runs)
# Environment: COMMENTSCTL (path to commentsctl; default: build it), LOCAL_PORT (local port of the
# port-forward, for the smoke step and the printed instructions; default 8000), ROLLOUT_TIMEOUT
# (default 180s).
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(…) fails the assignment, and so the script

root=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2034 # read by scripts/lib/cluster.bash
lib_name=provision-k8s.sh
# shellcheck source=scripts/lib/cluster.bash
source "$root/scripts/lib/cluster.bash"
profile=${MINIKUBE_PROFILE:-comments}
cpus=${MINIKUBE_CPUS:-2}
memory=${MINIKUBE_MEMORY:-4096}
driver=${MINIKUBE_DRIVER:-}
monitoring=false
delete=false
local_port=${LOCAL_PORT:-8000}
rollout_timeout=${ROLLOUT_TIMEOUT:-180s}
env_name=local

usage() { sed -n '2,19s/^# \{0,1\}//p' "$0"; }
step() { printf '\n==> %s\n' "$*"; }

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
state=$root/.tools/provision/$profile

# --- preflight: every tool, its version, and what to install when it is missing -------------
preflight() {
  step "Preflight"
  need minikube "install minikube: https://minikube.sigs.k8s.io/docs/start/"
  need kubectl "install kubectl: https://kubernetes.io/docs/tasks/tools/ (or use 'minikube kubectl --')"
  need curl "install curl (Debian: apt-get install curl)"
  need python3 "install python3 (Debian: apt-get install python3)"
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
  [ -n "$engine" ] || lib_die "no working container engine: install Docker (https://docs.docker.com/engine/install/) or podman, and start it"
  [ -n "$driver" ] || driver=$engine
  echo "minikube: $(minikube version --short 2>/dev/null || true)"
  echo "kubectl:  $(first_line "$(kubectl version --client 2>/dev/null || true)")"
  if [ "$monitoring" = true ]; then echo "helm:     $(helm version --short 2>/dev/null || true)"; fi
  echo "engine:   $engine ($(first_line "$("$engine" --version 2>/dev/null || true)"))"
}

if [ "$delete" = true ]; then
  need minikube "install minikube: https://minikube.sigs.k8s.io/docs/start/"
  step "Deleting minikube profile $profile"
  minikube delete -p "$profile"
  rm -rf "$state"
  exit 0
fi

preflight
ctl=$(commentsctl_bin)
# The spec names everything; the laptop's pin is its own.
ctlx=("$ctl" --spec "$root/k8s/comments.yaml" --releases "$state/releases")
namespace=$("${ctlx[@]}" get "$env_name" namespace)
deployment=$("${ctlx[@]}" get "$env_name" deployment)
service=$("${ctlx[@]}" get "$env_name" service)
port=$("${ctlx[@]}" get "$env_name" port)
repository=$("${ctlx[@]}" get "$env_name" repository)
kube=(kubectl --context "$profile")
mkdir -p "$state/releases"
trap forward_stop EXIT

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
revision=$(image_revision)
image=$repository:$revision
# Built by the cluster's own runtime: no registry round trip; the same sources give the same tag.
minikube image build -p "$profile" -t "$image" --build-opt=build-arg=REVISION="$revision" "$root"

step "Render and apply the $env_name environment (namespace $namespace)"
"${ctlx[@]}" pin "$env_name" --tag "$revision" --revision "$revision" --from provision-k8s.sh
"${ctlx[@]}" render "$env_name" >"$state/$env_name.yaml"
"${kube[@]}" apply -f "$state/$env_name.yaml"
"${kube[@]}" -n "$namespace" rollout status "deployment/$deployment" --timeout "$rollout_timeout"

step "Smoke test through a port-forward"
forward_start "$state/port-forward.log" --context "$profile" -n "$namespace" port-forward \
  "svc/$service" "$local_port:$port"
# The first step checks that the pod answering is the build just deployed.
"$ctl" smoke "$FORWARD_URL" --revision "$revision"
forward_stop

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
    --show-only templates/prometheusrule.yaml --show-only templates/grafana-dashboard.yaml \
    >"$state/monitoring.yaml"
  cat >>"$state/monitoring.yaml" <<EOT
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: $service
  namespace: $namespace
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: $service
  endpoints:
    - port: admin
      path: /metrics
      interval: 30s
      relabelings:
        - targetLabel: job
          replacement: $service
EOT
  "${kube[@]}" -n "$namespace" apply -f "$state/monitoring.yaml"
  echo "Grafana:  kubectl --context $profile -n monitoring port-forward svc/monitoring-grafana 3000:80"
  echo "          then http://localhost:3000 (user admin, password: kubectl --context $profile -n monitoring get secret monitoring-grafana -o jsonpath='{.data.admin-password}' | base64 -d)"
fi

step "Ready"
cat <<EOT
$namespace runs $image. Reach it through a port-forward (Ctrl-C ends it):
kubectl --context $profile -n $namespace port-forward svc/$service $local_port:$port
and in another terminal:
curl -s -X POST localhost:$local_port/api/comment/new -H 'Content-Type: application/json' \\
     -d '{"email":"alice@example.com","comment":"first post!","content_id":1}'
curl -s localhost:$local_port/api/comment/list/1
EOT
