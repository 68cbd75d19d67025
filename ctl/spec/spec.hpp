// The deployment spec (k8s/comments.yaml) as plain structs: the application and, per environment,
// its settings with the defaults applied. Each value keeps where it was written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/diagnostics.hpp"
#include "schema/fields.hpp"

namespace commentsctl::spec {

using schema::Located;

enum class Backend { Sqlite, Postgresql };

struct App {
  Located<std::string> name;     // object names and app.kubernetes.io/name
  Located<std::string> part_of;  // app.kubernetes.io/part-of
  Located<int> port;             // the container port, named "http"
  Located<int> admin_port;       // ADMIN_PORT: probes and scraping, the port named "admin"
};

struct Resources {
  Located<std::string> cpu_request;
  Located<std::string> memory_request;
  Located<std::string> cpu_limit;
  Located<std::string> memory_limit;
};

struct Storage {
  Located<Backend> backend;
  Located<std::string> sqlite_size;                          // the PVC size
  std::optional<Located<std::string>> sqlite_storage_class;  // the cluster default when absent
  Located<std::string> postgresql_secret_name;               // Secret holding the connection URL
  Located<std::string> postgresql_secret_key;
};

struct Autoscaling {
  Located<bool> enabled;
  Located<int> min_replicas;
  Located<int> max_replicas;
  Located<int> target_cpu_percent;
};

struct Ingress {
  Located<bool> enabled;
  Located<std::string> host;
  std::optional<Located<std::string>> class_name;
  std::optional<Located<std::string>> tls_secret_name;
};

// The moderation API's bearer tokens (ADMIN_TOKEN_FILE): a Secret made outside commentsctl,
// mounted read-only; the tokens never appear in the spec or the manifests.
struct Admin {
  std::optional<Located<std::string>> token_secret;  // absent: the moderation API answers 404
};

// A CronJob copying the SQLite database into a claim of its own (comments-service backup).
struct Backup {
  Located<bool> enabled;
  Located<std::string> schedule;    // cron: five fields or @daily, @hourly, ...
  Located<std::string> claim_name;  // an existing PersistentVolumeClaim receiving the copies
  Located<int> keep;                // the dated copies kept (comments-service backup --keep)
};

struct Monitoring {
  Located<bool> service_monitor;
  Located<std::string> interval;
};

struct Environment {
  Located<std::string> name;
  Located<std::string> ns;
  Located<bool> require_digest;  // refuse to validate or render without a digest pin
  Located<int> replicas;
  Located<std::string> image_repository;
  // The service settings the spec holds under their own keys (logLevel, shutdownDelay, …) by
  // variable, for the environment's storage backend, in the order of the settings table.
  std::vector<std::pair<std::string, Located<std::string>>> settings;
  Located<int> termination_grace_seconds;
  Resources resources;
  Storage storage;
  Autoscaling autoscaling;
  Ingress ingress;
  Monitoring monitoring;
  Admin admin;
  Backup backup;
  std::vector<Located<std::string>> allow_from_namespaces;  // empty: any namespace
  // Namespaces besides its own that reach the admin port (Prometheus); empty: its own only.
  std::vector<Located<std::string>> admin_from_namespaces;
  // Extra service settings (environment variable → value), sorted by name.
  std::vector<std::pair<std::string, Located<std::string>>> config;

  // The value of a setting from `settings` ("SHUTDOWN_DELAY"), or nullptr.
  [[nodiscard]] const Located<std::string>* setting(std::string_view variable) const;
};

struct Spec {
  std::string file;
  App app;
  std::vector<Environment> environments;  // in file order

  [[nodiscard]] const Environment* find(const std::string& name) const;
  [[nodiscard]] std::vector<std::string> environment_names() const;
};

// The spec when the file is valid; otherwise nullopt and every problem in `diags`.
std::optional<Spec> load_spec(const std::string& path, schema::Diagnostics& diags);
std::optional<Spec> parse_spec(const std::string& text, const std::string& path,
                               schema::Diagnostics& diags);

}  // namespace commentsctl::spec
