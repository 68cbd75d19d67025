// Everything around the Deployment, and the assembly of all objects in apply order.
#include "render/render.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "emit/writer.hpp"
#include "render/labels.hpp"
#include "render/workload.hpp"

namespace commentsctl::render {
namespace {

using emit::Node;

std::string sha256_hex(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    std::array<char, 3> buf{};
    std::snprintf(buf.data(), buf.size(), "%02x", digest.at(i));
    hex += buf.data();
  }
  return hex;
}

Node namespace_object(const Context& c) {
  Node labels = common_labels(c);
  // Admission refuses any pod in the namespace that is not hardened like ours.
  labels.set("pod-security.kubernetes.io/enforce", "restricted");
  return Node::map({{"apiVersion", "v1"},
                    {"kind", "Namespace"},
                    {"metadata", Node::map({{"name", c.ns()}, {"labels", labels}})}});
}

Node service_account(const Context& c) {
  Node out = object_head(c, "v1", "ServiceAccount", c.name());
  out.set("automountServiceAccountToken", false);
  return out;
}

Node config_data(const Context& c) {
  const auto& env = c.env;
  // Sorted by key: the managed settings and the spec's `config` never share a key.
  std::vector<std::pair<std::string, std::string>> data = {
      {"PORT", std::to_string(c.spec.app.port.value)},
      {"ADMIN_PORT", std::to_string(c.spec.app.admin_port.value)}};
  for (const auto& [key, value] : env.settings) {
    data.emplace_back(key, value.value);
  }
  if (env.storage.backend.value == spec::Backend::Sqlite) {
    data.emplace_back("STORAGE_URL", sqlite_storage_url());
  }
  if (env.admin.token_secret) {
    data.emplace_back("ADMIN_TOKEN_FILE", std::string(admin_tokens_dir) + "/" + admin_tokens_key);
  }
  for (const auto& [key, value] : env.config) {
    data.emplace_back(key, value.value);
  }
  std::sort(data.begin(), data.end());
  Node out = Node::map();
  for (const auto& [key, value] : data) {
    out.set(key, value);
  }
  return out;
}

Node config_map(const Context& c, const Node& data) {
  Node out = object_head(c, "v1", "ConfigMap", config_map_name(c));
  out.set("data", data);
  return out;
}

Node data_claim(const Context& c) {
  Node spec = Node::map({{"accessModes", Node::sequence({"ReadWriteOnce"})}});
  if (c.env.storage.sqlite_storage_class) {
    spec.set("storageClassName", c.env.storage.sqlite_storage_class->value);
  }
  spec.set("resources",
           Node::map({{"requests", Node::map({{"storage", c.env.storage.sqlite_size.value}})}}));
  Node out = object_head(c, "v1", "PersistentVolumeClaim", data_claim_name(c));
  out.set("spec", spec);
  return out;
}

Node service_port(const std::string& name, int port) {
  return Node::map({{"name", name}, {"port", port}, {"targetPort", name}, {"protocol", "TCP"}});
}

// "admin" is there for the ServiceMonitor, which names a Service port; the Ingress routes to
// "http" only.
Node service(const Context& c) {
  Node out = object_head(c, "v1", "Service", c.name());
  out.set(
      "spec",
      Node::map({{"type", "ClusterIP"},
                 {"selector", selector_labels(c)},
                 {"ports",
                  Node::sequence({service_port("http", c.spec.app.port.value),
                                  service_port(admin_port_name, c.spec.app.admin_port.value)})}}));
  return out;
}

Node disruption_budget(const Context& c) {
  Node out = object_head(c, "policy/v1", "PodDisruptionBudget", c.name());
  out.set("spec", Node::map({{"maxUnavailable", 1},
                             {"selector", Node::map({{"matchLabels", selector_labels(c)}})}}));
  return out;
}

Node autoscaler(const Context& c) {
  const auto& a = c.env.autoscaling;
  Node target =
      Node::map({{"type", "Utilization"}, {"averageUtilization", a.target_cpu_percent.value}});
  Node out = object_head(c, "autoscaling/v2", "HorizontalPodAutoscaler", c.name());
  out.set(
      "spec",
      Node::map(
          {{"scaleTargetRef",
            Node::map({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", c.name()}})},
           {"minReplicas", a.min_replicas.value},
           {"maxReplicas", a.max_replicas.value},
           {"metrics", Node::sequence({Node::map(
                           {{"type", "Resource"},
                            {"resource", Node::map({{"name", "cpu"}, {"target", target}})}})})}}));
  return out;
}

// An ingress rule for one named port: from anywhere when `from` is nullopt, else from the pods
// of the environment's namespace and of the namespaces listed.
Node port_rule(const std::string& port,
               const std::optional<std::vector<spec::Located<std::string>>>& from_namespaces) {
  Node rule =
      Node::map({{"ports", Node::sequence({Node::map({{"protocol", "TCP"}, {"port", port}})})}});
  if (from_namespaces) {
    Node from = Node::sequence({Node::map({{"podSelector", Node::map()}})});
    for (const auto& ns : *from_namespaces) {
      from.push(Node::map({{"namespaceSelector",
                            Node::map({{"matchLabels", Node::map({{"kubernetes.io/metadata.name",
                                                                   ns.value}})}})}}));
    }
    rule.set("from", from);
  }
  return rule;
}

// Two ports are open: http (the API) to allowFromNamespaces, else to anyone; admin (probes and
// /metrics) to the namespace itself and adminFromNamespaces only. The kubelet's probes come from
// the node, which NetworkPolicy always admits.
Node network_policy(const Context& c) {
  const auto& env = c.env;
  Node http = port_rule("http", env.allow_from_namespaces.empty()
                                    ? std::nullopt
                                    : std::optional(env.allow_from_namespaces));
  Node admin = port_rule(admin_port_name, env.admin_from_namespaces);
  Node out = object_head(c, "networking.k8s.io/v1", "NetworkPolicy", c.name());
  out.set("spec", Node::map({{"podSelector", Node::map({{"matchLabels", selector_labels(c)}})},
                             {"policyTypes", Node::sequence({"Ingress"})},
                             {"ingress", Node::sequence({http, admin})}}));
  return out;
}

// Only the API is public: /healthz, /readyz, /metrics and /version stay inside the cluster even
// while the http port serves them too (OPS_ON_PUBLIC_PORT).
Node ingress(const Context& c) {
  const auto& in = c.env.ingress;
  Node backend = Node::map(
      {{"service", Node::map({{"name", c.name()}, {"port", Node::map({{"name", "http"}})}})}});
  Node spec = Node::map();
  if (in.class_name) {
    spec.set("ingressClassName", in.class_name->value);
  }
  if (in.tls_secret_name) {
    spec.set("tls", Node::sequence({Node::map({{"hosts", Node::sequence({in.host.value})},
                                               {"secretName", in.tls_secret_name->value}})}));
  }
  spec.set("rules",
           Node::sequence({Node::map(
               {{"host", in.host.value},
                {"http",
                 Node::map({{"paths", Node::sequence({Node::map({{"path", public_path},
                                                                 {"pathType", "Prefix"},
                                                                 {"backend", backend}})})}})}})}));
  Node out = object_head(c, "networking.k8s.io/v1", "Ingress", c.name());
  out.set("spec", spec);
  return out;
}

Node service_monitor(const Context& c) {
  Node out = object_head(c, "monitoring.coreos.com/v1", "ServiceMonitor", c.name());
  out.set(
      "spec",
      Node::map({{"selector", Node::map({{"matchLabels", selector_labels(c)}})},
                 {"endpoints",
                  Node::sequence({Node::map({{"port", admin_port_name},
                                             {"path", "/metrics"},
                                             {"interval", c.env.monitoring.interval.value}})})}}));
  return out;
}

std::string lower(std::string s) {
  for (auto& ch : s) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return s;
}

}  // namespace

std::vector<Object> render(const spec::Spec& spec, const spec::Environment& env,
                           const release::Pin& pin) {
  const Context c{spec, env, pin};
  const Node data = config_data(c);
  std::vector<Object> out;
  out.push_back({"Namespace", c.ns(), namespace_object(c)});
  out.push_back({"ServiceAccount", c.name(), service_account(c)});
  out.push_back({"ConfigMap", config_map_name(c), config_map(c, data)});
  if (env.storage.backend.value == spec::Backend::Sqlite) {
    out.push_back({"PersistentVolumeClaim", data_claim_name(c), data_claim(c)});
  }
  out.push_back({"Service", c.name(), service(c)});
  out.push_back(
      {"Deployment", c.name(), deployment(c, config_map_name(c), sha256_hex(emit::to_yaml(data)))});
  if (env.backup.enabled.value) {
    out.push_back({"CronJob", backup_name(c), backup_cron_job(c)});
  }
  if (c.min_replicas() > 1) {
    out.push_back({"PodDisruptionBudget", c.name(), disruption_budget(c)});
  }
  if (env.autoscaling.enabled.value) {
    out.push_back({"HorizontalPodAutoscaler", c.name(), autoscaler(c)});
  }
  out.push_back({"NetworkPolicy", c.name(), network_policy(c)});
  if (env.ingress.enabled.value) {
    out.push_back({"Ingress", c.name(), ingress(c)});
  }
  if (env.monitoring.service_monitor.value) {
    out.push_back({"ServiceMonitor", c.name(), service_monitor(c)});
  }
  return out;
}

std::string to_documents(const std::string& env, const std::vector<Object>& objects) {
  std::string out = "# Rendered by commentsctl for environment " + env +
                    ": do not edit by hand, change k8s/comments.yaml and run `commentsctl render " +
                    env + "`.\n";
  for (const auto& o : objects) {
    out += "---\n" + emit::to_yaml(o.body);
  }
  return out;
}

std::vector<std::filesystem::path> write_files(const std::filesystem::path& dir,
                                               const std::vector<Object>& objects) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> written;
  int index = 0;
  for (const auto& o : objects) {
    std::array<char, 4> prefix{};
    std::snprintf(prefix.data(), prefix.size(), "%02d", ++index);
    const auto path =
        dir / (std::string(prefix.data()) + "-" + lower(o.kind) + "-" + o.name + ".yaml");
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << emit::to_yaml(o.body);
    if (!file.flush()) {
      throw std::runtime_error("cannot write " + path.string());
    }
    written.push_back(path);
  }
  return written;
}

}  // namespace commentsctl::render
