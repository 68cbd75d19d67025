// The pod follows docs/configuration.md: port 8000 named http, probes on /healthz and /readyz of
// the admin port (9090, named admin) where held connections on http cannot starve them, UID
// 65532, a read-only root filesystem and /var/lib/comments as the only writable path. The backup
// CronJob's pod is hardened the same way, and must run beside the service's pod: they share a
// ReadWriteOnce claim, which only pods on one node can mount.
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

Node container_security() {
  return Node::map({{"allowPrivilegeEscalation", false},
                    {"readOnlyRootFilesystem", true},
                    {"runAsNonRoot", true},
                    {"runAsUser", run_as_id},
                    {"runAsGroup", run_as_id},
                    {"capabilities", Node::map({{"drop", Node::sequence({"ALL"})}})},
                    {"seccompProfile", seccomp_runtime_default()}});
}

Node pod_security() {
  return Node::map({{"runAsNonRoot", true},
                    {"runAsUser", run_as_id},
                    {"runAsGroup", run_as_id},
                    {"fsGroup", run_as_id},
                    {"fsGroupChangePolicy", "OnRootMismatch"},
                    {"seccompProfile", seccomp_runtime_default()}});
}

Node resources_of(const spec::Environment& env) {
  const auto& r = env.resources;
  return Node::map(
      {{"requests", Node::map({{"cpu", r.cpu_request.value}, {"memory", r.memory_request.value}})},
       {"limits", Node::map({{"cpu", r.cpu_limit.value}, {"memory", r.memory_limit.value}})}});
}

Node claim_volume(const std::string& name, const std::string& claim) {
  return Node::map({{"name", name}, {"persistentVolumeClaim", Node::map({{"claimName", claim}})}});
}

Node data_mount() { return Node::map({{"name", "data"}, {"mountPath", data_path}}); }

Node container(const Context& c, const std::string& config_name) {
  const auto& env = c.env;
  Node ports = Node::sequence(
      {Node::map({{"name", "http"}, {"containerPort", c.spec.app.port.value}, {"protocol", "TCP"}}),
       Node::map({{"name", admin_port_name},
                  {"containerPort", c.spec.app.admin_port.value},
                  {"protocol", "TCP"}})});
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
  out.set("resources", resources_of(env));
  out.set("securityContext", container_security());
  Node mounts = Node::sequence();
  if (env.storage.backend.value == spec::Backend::Sqlite) {
    mounts.push(data_mount());
  }
  if (env.admin.token_secret) {
    mounts.push(
        Node::map({{"name", "admin-tokens"}, {"mountPath", admin_tokens_dir}, {"readOnly", true}}));
  }
  if (!mounts.items().empty()) {
    out.set("volumeMounts", mounts);
  }
  return out;
}

Node pod_spec(const Context& c, const std::string& config_name) {
  Node pod = Node::map({{"serviceAccountName", c.name()},
                        {"automountServiceAccountToken", false},
                        {"enableServiceLinks", false},
                        {"terminationGracePeriodSeconds", c.env.termination_grace_seconds.value},
                        {"securityContext", pod_security()}});
  if (c.max_replicas() > 1) {
    pod.set("topologySpreadConstraints",
            Node::sequence({Node::map(
                {{"maxSkew", 1},
                 {"topologyKey", "kubernetes.io/hostname"},
                 {"whenUnsatisfiable", "ScheduleAnyway"},
                 {"labelSelector", Node::map({{"matchLabels", selector_labels(c)}})}})}));
  }
  pod.set("containers", Node::sequence({container(c, config_name)}));
  Node volumes = Node::sequence();
  if (c.env.storage.backend.value == spec::Backend::Sqlite) {
    volumes.push(claim_volume("data", data_claim_name(c)));
  }
  if (c.env.admin.token_secret) {
    // Only the tokens key, readable by the pod's group (fsGroup) and nobody else.
    constexpr int owner_and_group_read = 0440;
    volumes.push(Node::map(
        {{"name", "admin-tokens"},
         {"secret", Node::map({{"secretName", c.env.admin.token_secret->value},
                               {"items", Node::sequence({Node::map({{"key", admin_tokens_key},
                                                                    {"path", admin_tokens_key}})})},
                               {"defaultMode", owner_and_group_read}})}}));
  }
  if (!volumes.items().empty()) {
    pod.set("volumes", volumes);
  }
  return pod;
}

// The service's pods carry the selector labels; the backup's must not, or the Service, the
// disruption budget and the network policy would count it as one of them.
Node backup_labels(const Context& c) {
  Node labels = common_labels(c);
  labels.set("app.kubernetes.io/component", "backup");
  labels.set("app.kubernetes.io/name", backup_name(c));
  return labels;
}

}  // namespace

std::string data_claim_name(const Context& c) { return c.name() + "-data"; }
std::string backup_name(const Context& c) { return c.name() + "-backup"; }
std::string sqlite_storage_url() { return std::string("sqlite:") + data_path + "/comments.db"; }

Node backup_cron_job(const Context& c) {
  const auto& env = c.env;
  // Each run writes a dated copy (comments-<UTC time>.db) and removes the oldest beyond keep:
  // one bad night leaves the good copies of the nights before.
  Node backup_container = Node::map(
      {{"name", "backup"},
       {"image", c.pin.image()},
       {"imagePullPolicy", "IfNotPresent"},
       {"args", Node::sequence({"backup", "--storage", sqlite_storage_url(), "--to-dir",
                                std::string(backup_path), "--keep",
                                std::to_string(env.backup.keep.value)})},
       {"resources", resources_of(env)},
       {"securityContext", container_security()},
       {"volumeMounts", Node::sequence({data_mount(), Node::map({{"name", "backup"},
                                                                 {"mountPath", backup_path}})})}});
  // The data claim is ReadWriteOnce: only pods on the node of the service's pod can mount it.
  Node affinity = Node::map(
      {{"podAffinity",
        Node::map({{"requiredDuringSchedulingIgnoredDuringExecution",
                    Node::sequence({Node::map(
                        {{"labelSelector", Node::map({{"matchLabels", selector_labels(c)}})},
                         {"topologyKey", "kubernetes.io/hostname"}})})}})}});
  Node pod = Node::map(
      {{"serviceAccountName", c.name()},
       {"automountServiceAccountToken", false},
       {"enableServiceLinks", false},
       {"restartPolicy", "Never"},
       {"securityContext", pod_security()},
       {"affinity", affinity},
       {"containers", Node::sequence({backup_container})},
       {"volumes", Node::sequence({claim_volume("data", data_claim_name(c)),
                                   claim_volume("backup", env.backup.claim_name.value)})}});
  constexpr int one_hour = 3600;
  Node job = Node::map(
      {{"backoffLimit", 2},
       // A pod that cannot be placed beside the service (it is down) gives up within the hour.
       {"activeDeadlineSeconds", one_hour},
       {"template",
        Node::map({{"metadata", Node::map({{"labels", backup_labels(c)}})}, {"spec", pod}})}});
  // The CronJob itself carries the common labels, like every object of the environment.
  Node out = object_head(c, "batch/v1", "CronJob", backup_name(c));
  out.set("spec", Node::map({{"schedule", env.backup.schedule.value},
                             {"concurrencyPolicy", "Forbid"},
                             {"startingDeadlineSeconds", one_hour},
                             {"successfulJobsHistoryLimit", 3},
                             {"failedJobsHistoryLimit", 3},
                             {"jobTemplate", Node::map({{"spec", job}})}}));
  return out;
}
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
