// The pod follows docs/configuration.md: port 8000 named http, probes on /healthz and /readyz of
// the admin port (9090, named admin) where held connections on http cannot starve them, UID
// 65532, a read-only root filesystem and /var/lib/comments as the only writable path.
#include "render/workload.hpp"

#include "render/render.hpp"

namespace commentsctl::render {
namespace {

using emit::Node;

Node http_probe(const std::string& path, int period, int timeout, int failure_threshold) {
  return Node::map({{"httpGet", Node::map({{"path", path}, {"port", admin_port_name}})},
                    {"periodSeconds", period},
                    {"timeoutSeconds", timeout},
                    {"failureThreshold", failure_threshold}});
}

Node seccomp_runtime_default() { return Node::map({{"type", "RuntimeDefault"}}); }

Node container(const Context& c, const std::string& config_name) {
  const auto& env = c.env;
  Node ports = Node::sequence(
      {Node::map({{"name", "http"}, {"containerPort", c.spec.app.port.value}, {"protocol", "TCP"}}),
       Node::map({{"name", admin_port_name},
                  {"containerPort", c.spec.app.admin_port.value},
                  {"protocol", "TCP"}})});
  Node resources =
      Node::map({{"requests", Node::map({{"cpu", env.resources.cpu_request.value},
                                         {"memory", env.resources.memory_request.value}})},
                 {"limits", Node::map({{"cpu", env.resources.cpu_limit.value},
                                       {"memory", env.resources.memory_limit.value}})}});
  Node security = Node::map({{"allowPrivilegeEscalation", false},
                             {"readOnlyRootFilesystem", true},
                             {"runAsNonRoot", true},
                             {"runAsUser", run_as_id},
                             {"runAsGroup", run_as_id},
                             {"capabilities", Node::map({{"drop", Node::sequence({"ALL"})}})},
                             {"seccompProfile", seccomp_runtime_default()}});
  Node out = Node::map(
      {{"name", c.name()},
       {"image", c.pin.image()},
       {"imagePullPolicy", "IfNotPresent"},
       {"ports", ports},
       {"envFrom",
        Node::sequence({Node::map({{"configMapRef", Node::map({{"name", config_name}})}})})}});
  Node variables = Node::sequence();
  if (c.pin.digest) {
    // Reported on /version, where `commentsctl verify` checks that the pinned image runs.
    variables.push(Node::map({{"name", "IMAGE_DIGEST"}, {"value", c.pin.digest->value}}));
  }
  if (env.storage.backend.value == spec::Backend::Postgresql) {
    // The connection URL holds a password: it stays in the Secret.
    Node secret_ref = Node::map({{"name", env.storage.postgresql_secret_name.value},
                                 {"key", env.storage.postgresql_secret_key.value}});
    variables.push(Node::map(
        {{"name", "STORAGE_URL"}, {"valueFrom", Node::map({{"secretKeyRef", secret_ref}})}}));
  }
  if (!variables.items().empty()) {
    out.set("env", variables);
  }
  // Startup allows a minute for the first start (migrations); then liveness takes over.
  out.set("startupProbe", http_probe("/healthz", 2, 1, 30));
  out.set("livenessProbe", http_probe("/healthz", 10, 2, 3));
  out.set("readinessProbe", http_probe("/readyz", 5, 2, 2));
  out.set("resources", resources);
  out.set("securityContext", security);
  if (env.storage.backend.value == spec::Backend::Sqlite) {
    out.set("volumeMounts",
            Node::sequence({Node::map({{"name", "data"}, {"mountPath", data_path}})}));
  }
  return out;
}

Node pod_spec(const Context& c, const std::string& config_name) {
  Node pod_security = Node::map({{"runAsNonRoot", true},
                                 {"runAsUser", run_as_id},
                                 {"runAsGroup", run_as_id},
                                 {"fsGroup", run_as_id},
                                 {"fsGroupChangePolicy", "OnRootMismatch"},
                                 {"seccompProfile", seccomp_runtime_default()}});
  Node pod = Node::map({{"serviceAccountName", c.name()},
                        {"automountServiceAccountToken", false},
                        {"enableServiceLinks", false},
                        {"terminationGracePeriodSeconds", c.env.termination_grace_seconds.value},
                        {"securityContext", pod_security}});
  if (c.max_replicas() > 1) {
    pod.set("topologySpreadConstraints",
            Node::sequence({Node::map(
                {{"maxSkew", 1},
                 {"topologyKey", "kubernetes.io/hostname"},
                 {"whenUnsatisfiable", "ScheduleAnyway"},
                 {"labelSelector", Node::map({{"matchLabels", selector_labels(c)}})}})}));
  }
  pod.set("containers", Node::sequence({container(c, config_name)}));
  if (c.env.storage.backend.value == spec::Backend::Sqlite) {
    pod.set("volumes",
            Node::sequence({Node::map(
                {{"name", "data"},
                 {"persistentVolumeClaim", Node::map({{"claimName", data_claim_name(c)}})}})}));
  }
  return pod;
}

}  // namespace

std::string data_claim_name(const Context& c) { return c.name() + "-data"; }
std::string config_map_name(const Context& c) { return c.name() + "-config"; }

Node deployment(const Context& c, const std::string& config_name,
                const std::string& config_checksum) {
  const bool sqlite = c.env.storage.backend.value == spec::Backend::Sqlite;
  // SQLite: the old pod must let go of the volume and the database file before the new one starts.
  Node strategy =
      sqlite ? Node::map({{"type", "Recreate"}})
             : Node::map({{"type", "RollingUpdate"},
                          {"rollingUpdate", Node::map({{"maxUnavailable", 0}, {"maxSurge", 1}})}});
  Node annotations = Node::map({{"checksum/config", config_checksum},
                                {"prometheus.io/path", "/metrics"},
                                {"prometheus.io/port", std::to_string(c.spec.app.admin_port.value)},
                                {"prometheus.io/scrape", "true"}});
  Node spec = Node::map();
  if (!c.env.autoscaling.enabled.value) {
    // With an autoscaler, the replica count is its to set; applying one would fight it.
    spec.set("replicas", c.env.replicas.value);
  }
  spec.set("revisionHistoryLimit", 5);
  spec.set("selector", Node::map({{"matchLabels", selector_labels(c)}}));
  spec.set("strategy", strategy);
  spec.set("template", Node::map({{"metadata", Node::map({{"labels", common_labels(c)},
                                                          {"annotations", annotations}})},
                                  {"spec", pod_spec(c, config_name)}}));
  Node out = object_head(c, "apps/v1", "Deployment", c.name());
  out.set("spec", spec);
  return out;
}

}  // namespace commentsctl::render
