// Turns one environment of the spec and its release pin into the Kubernetes objects that run it,
// and writes them as YAML in a fixed order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "emit/node.hpp"
#include "release/pin.hpp"
#include "spec/spec.hpp"

namespace commentsctl::render {

struct Object {
  std::string kind;
  std::string name;
  emit::Node body;
};

// The UID and GID the image runs as (docs/configuration.md), and its only writable path.
inline constexpr int run_as_id = 65532;
inline constexpr const char* data_path = "/var/lib/comments";
// The container port serving probes and /metrics (ADMIN_PORT), and the only path the Ingress
// routes.
inline constexpr const char* admin_port_name = "admin";
inline constexpr const char* public_path = "/api/";
// Where the moderation tokens' Secret is mounted (read-only), and the Secret's key holding the
// name:token lines: ADMIN_TOKEN_FILE is admin_tokens_dir/admin_tokens_key.
inline constexpr const char* admin_tokens_dir = "/var/run/secrets/comments-admin";
inline constexpr const char* admin_tokens_key = "tokens";
// Where the backup CronJob mounts its claim.
inline constexpr const char* backup_path = "/backup";

// In apply order: Namespace, ServiceAccount, ConfigMap, PersistentVolumeClaim, Service,
// Deployment, CronJob (backup), PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy,
// Ingress, ServiceMonitor. Expects a spec and pin that passed validation.
std::vector<Object> render(const spec::Spec& spec, const spec::Environment& env,
                           const release::Pin& pin);

// Multi-document YAML: a header comment, then `---` and each object.
std::string to_documents(const std::string& env, const std::vector<Object>& objects);

// One file per object in `dir` (created if needed), named so that `kubectl apply -f DIR`
// applies them in order: `01-namespace-comments-dev.yaml`, … Returns the paths written.
std::vector<std::filesystem::path> write_files(const std::filesystem::path& dir,
                                               const std::vector<Object>& objects);

}  // namespace commentsctl::render
