// Loads k8s/comments.yaml: checks every key against the tables below, layers each environment
// over `defaults`, then checks what spans several keys (replicas against the storage backend,
// the grace period against the shutdown timings, requests against limits).
#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include "schema/document.hpp"
#include "schema/formats.hpp"
#include "schema/suggest.hpp"
#include "service/config/settings.hpp"
#include "spec/spec.hpp"

namespace commentsctl::spec {
namespace {

using schema::Field;
using schema::FileDiagnostics;
using schema::Type;
using schema::Values;

using comments::config::find_setting;
using comments::config::settings;

// The settings `config` may hold: every one the spec does not set under a key of its own.
std::string check_config_key(std::string_view name) {
  const auto* setting = find_setting(name);
  if (setting == nullptr) {
    std::vector<std::string> known;
    for (const auto& s : settings()) {
      known.push_back(s.env);
    }
    return "is not a setting of the service (docs/configuration.md)" +
           schema::did_you_mean(name, known);
  }
  if (setting->spec.pin) {
    return "is derived from the release pin's " + setting->spec.key + "; set that instead";
  }
  if (!setting->spec.key.empty()) {
    return "is derived from " + setting->spec.key + "; set that instead";
  }
  return "";
}

std::string check_config_value(std::string_view name, std::string_view value) {
  const auto* setting = find_setting(name);
  return setting == nullptr ? "" : setting->format.check(value);
}

// Whether the spec holds the setting verbatim under a key of its own (the release pin's keys are
// the pin loader's).
bool spec_holds(const comments::config::Setting& s) { return s.spec.verbatim && !s.spec.pin; }

// A key of its own for a setting whose value the spec holds verbatim, read in its format.
Field setting_field(const comments::config::Setting& s) {
  const auto& f = s.format;
  if (!f.choices.empty()) {
    return {.path = s.spec.key, .choices = f.choices};
  }
  if (f.integers && f.name == "integer") {
    return {.path = s.spec.key,
            .type = Type::Integer,
            .min = static_cast<long long>(f.integers->first),
            .max = static_cast<long long>(f.integers->second)};
  }
  return {.path = s.spec.key, .check = [&f](std::string_view text) { return f.check(text); }};
}

// Where probes and scraping go when the spec does not say (the service itself has no admin
// listener unless told).
constexpr int default_admin_port = 9090;

const std::vector<Field>& app_table() {
  static const std::vector<Field> table = {
      {.path = "name", .check = schema::check_dns_label},
      {.path = "partOf", .check = schema::check_label_value},
      {.path = "port", .type = Type::Integer, .min = 1, .max = 65535},
      {.path = "adminPort", .type = Type::Integer, .min = 1, .max = 65535},
  };
  return table;
}

// Adds the keys that hold a service setting verbatim (logLevel, shutdownDelay, …).
std::vector<Field> with_setting_keys(std::vector<Field> table) {
  for (const auto& s : settings()) {
    if (spec_holds(s)) {
      table.push_back(setting_field(s));
    }
  }
  return table;
}

// What `defaults` and each environment may set; `namespace` and `requireDigest` only in an
// environment.
const std::vector<Field>& settings_table() {
  static const std::vector<Field> table = with_setting_keys({
      {.path = "namespace", .check = schema::check_dns_label},
      {.path = "requireDigest", .type = Type::Boolean},
      {.path = "replicas", .type = Type::Integer, .min = 1, .max = 100},
      {.path = "image.repository", .check = schema::check_image_repository},
      {.path = "terminationGracePeriodSeconds", .type = Type::Integer, .min = 1, .max = 3600},
      {.path = "resources.requests.cpu", .check = schema::check_quantity},
      {.path = "resources.requests.memory", .check = schema::check_quantity},
      {.path = "resources.limits.cpu", .check = schema::check_quantity},
      {.path = "resources.limits.memory", .check = schema::check_quantity},
      {.path = "storage.backend", .choices = {"sqlite", "postgresql"}},
      {.path = "storage.sqlite.size", .check = schema::check_quantity},
      {.path = "storage.sqlite.storageClassName", .check = schema::check_dns_subdomain},
      {.path = "storage.postgresql.urlSecret.name", .check = schema::check_dns_subdomain},
      {.path = "storage.postgresql.urlSecret.key"},
      {.path = "autoscaling.enabled", .type = Type::Boolean},
      {.path = "autoscaling.minReplicas", .type = Type::Integer, .min = 1, .max = 100},
      {.path = "autoscaling.maxReplicas", .type = Type::Integer, .min = 1, .max = 100},
      {.path = "autoscaling.targetCPUUtilizationPercentage",
       .type = Type::Integer,
       .min = 10,
       .max = 100},
      {.path = "ingress.enabled", .type = Type::Boolean},
      {.path = "ingress.host", .check = schema::check_dns_subdomain},
      {.path = "ingress.className", .check = schema::check_dns_subdomain},
      {.path = "ingress.tlsSecretName", .check = schema::check_dns_subdomain},
      {.path = "admin.tokenSecret", .check = schema::check_dns_subdomain},
      {.path = "backup.enabled", .type = Type::Boolean},
      {.path = "backup.schedule", .check = schema::check_cron_schedule},
      {.path = "backup.claimName", .check = schema::check_dns_subdomain},
      {.path = "backup.keep", .type = Type::Integer, .min = 1, .max = 10000},
      {.path = "monitoring.serviceMonitor", .type = Type::Boolean},
      {.path = "monitoring.interval", .check = schema::check_duration},
      {.path = "networkPolicy.allowFromNamespaces",
       .type = Type::StringList,
       .check = schema::check_dns_label},
      {.path = "networkPolicy.adminFromNamespaces",
       .type = Type::StringList,
       .check = schema::check_dns_label},
      {.path = "config",
       .type = Type::StringMap,
       .key_check = check_config_key,
       .entry_check = check_config_value},
  });
  return table;
}

// Built-in values for settings neither `defaults` nor the environment sets: the service's own
// defaults for the keys that hold its settings, and these. Settings without one (image
// repository, resources, namespace) must be written in the spec.
std::map<std::string, std::string> with_setting_defaults(
    std::map<std::string, std::string> values) {
  for (const auto& s : settings()) {
    if (spec_holds(s)) {
      values.emplace(s.spec.key, s.default_value);
    }
  }
  return values;
}

const std::map<std::string, std::string>& builtin_defaults() {
  static const std::map<std::string, std::string> values = with_setting_defaults({
      {"requireDigest", "false"},
      {"replicas", "1"},
      {"terminationGracePeriodSeconds", "30"},
      {"storage.backend", "sqlite"},
      {"storage.sqlite.size", "1Gi"},
      {"storage.postgresql.urlSecret.key", "url"},
      {"autoscaling.enabled", "false"},
      {"autoscaling.minReplicas", "2"},
      {"autoscaling.maxReplicas", "5"},
      {"autoscaling.targetCPUUtilizationPercentage", "70"},
      {"ingress.enabled", "false"},
      {"backup.enabled", "false"},
      {"backup.schedule", "0 3 * * *"},
      {"backup.keep", "7"},
      {"monitoring.serviceMonitor", "false"},
      {"monitoring.interval", "30s"},
  });
  return values;
}

// An environment's settings: its own values over `defaults` over the built-in values.
class Layered {
 public:
  // `required_hint` ends the message for a missing required key.
  Layered(Values merged, YAML::Mark env_mark, std::string required_hint, FileDiagnostics& diags)
      : values_(std::move(merged)),
        env_mark_(env_mark),
        required_hint_(std::move(required_hint)),
        diags_(diags) {}

  [[nodiscard]] bool has(const std::string& path) const {
    auto it = values_.find(path);
    return it != values_.end() && it->second.valid;
  }

  Located<std::string> text(const std::string& path, bool required = true) {
    auto it = values_.find(path);
    if (it != values_.end() && it->second.valid) {
      return it->second.scalar;
    }
    if (auto d = builtin_defaults().find(path); d != builtin_defaults().end()) {
      return {d->second, env_mark_};
    }
    // A refused value was reported already; saying it is missing too would only confuse.
    if (required && it == values_.end()) {
      diags_.add(env_mark_, path + " is required" + required_hint_);
    }
    return {"", env_mark_};
  }

  std::optional<Located<std::string>> optional_text(const std::string& path) {
    if (has(path)) {
      return text(path);
    }
    return std::nullopt;
  }

  Located<int> integer(const std::string& path) {
    auto t = text(path);
    int n = 0;
    std::from_chars(t.value.data(), t.value.data() + t.value.size(), n);
    return {n, t.mark};
  }

  Located<bool> boolean(const std::string& path) {
    auto t = text(path);
    return {t.value == "true", t.mark};
  }

  [[nodiscard]] const schema::Value* raw(const std::string& path) const {
    auto it = values_.find(path);
    return it == values_.end() || !it->second.valid ? nullptr : &it->second;
  }

 private:
  Values values_;
  YAML::Mark env_mark_;
  std::string required_hint_;
  FileDiagnostics& diags_;
};

Values layer(const Values& defaults, const Values& own) {
  Values merged = defaults;
  for (const auto& [path, value] : own) {
    auto it = merged.find(path);
    if (path == "config" && it != merged.end()) {
      // Settings merge one variable at a time.
      for (const auto& entry : value.entries) {
        auto& entries = it->second.entries;
        std::erase_if(entries, [&](const auto& e) { return e.first.value == entry.first.value; });
        entries.push_back(entry);
      }
    } else {
      merged[path] = value;
    }
  }
  return merged;
}

Environment build_environment(const YAML::Node& name_node, Layered& s) {
  Environment env;
  env.name = {name_node.Scalar(), name_node.Mark()};
  env.ns = s.text("namespace");
  env.require_digest = s.boolean("requireDigest");
  env.replicas = s.integer("replicas");
  env.image_repository = s.text("image.repository");
  env.termination_grace_seconds = s.integer("terminationGracePeriodSeconds");
  env.resources = {s.text("resources.requests.cpu"), s.text("resources.requests.memory"),
                   s.text("resources.limits.cpu"), s.text("resources.limits.memory")};
  const auto backend = s.text("storage.backend");
  env.storage.backend = {backend.value == "postgresql" ? Backend::Postgresql : Backend::Sqlite,
                         backend.mark};
  const bool postgresql = env.storage.backend.value == Backend::Postgresql;
  // storage.<backend>.* keys set the service only with that backend.
  const std::string other_backend = postgresql ? "storage.sqlite." : "storage.postgresql.";
  for (const auto& setting : settings()) {
    if (spec_holds(setting) && !setting.spec.key.starts_with(other_backend)) {
      env.settings.emplace_back(setting.env, s.text(setting.spec.key));
    }
  }
  env.storage.sqlite_size = s.text("storage.sqlite.size");
  env.storage.sqlite_storage_class = s.optional_text("storage.sqlite.storageClassName");
  env.storage.postgresql_secret_name = s.text("storage.postgresql.urlSecret.name", postgresql);
  env.storage.postgresql_secret_key = s.text("storage.postgresql.urlSecret.key");
  env.autoscaling = {s.boolean("autoscaling.enabled"), s.integer("autoscaling.minReplicas"),
                     s.integer("autoscaling.maxReplicas"),
                     s.integer("autoscaling.targetCPUUtilizationPercentage")};
  env.ingress.enabled = s.boolean("ingress.enabled");
  env.ingress.host = s.text("ingress.host", env.ingress.enabled.value);
  env.ingress.class_name = s.optional_text("ingress.className");
  env.ingress.tls_secret_name = s.optional_text("ingress.tlsSecretName");
  env.monitoring = {s.boolean("monitoring.serviceMonitor"), s.text("monitoring.interval")};
  env.admin.token_secret = s.optional_text("admin.tokenSecret");
  env.backup.enabled = s.boolean("backup.enabled");
  env.backup.schedule = s.text("backup.schedule");
  env.backup.claim_name = s.text("backup.claimName", env.backup.enabled.value);
  env.backup.keep = s.integer("backup.keep");
  if (const auto* list = s.raw("networkPolicy.allowFromNamespaces")) {
    env.allow_from_namespaces = list->items;
  }
  if (const auto* list = s.raw("networkPolicy.adminFromNamespaces")) {
    env.admin_from_namespaces = list->items;
  }
  if (const auto* config = s.raw("config")) {
    for (const auto& [key, value] : config->entries) {
      env.config.emplace_back(key.value, value);
    }
    std::sort(env.config.begin(), env.config.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return env;
}

// What no single key can tell: a combination that cannot work.
void check_environment(const Environment& env, FileDiagnostics& diags) {
  const std::string in = " (environment " + env.name.value + ")";
  if (env.storage.backend.value == Backend::Sqlite) {
    if (env.replicas.value > 1) {
      diags.add(env.replicas.mark,
                "replicas must be 1 with storage.backend sqlite: one SQLite file cannot be shared "
                "by several pods; use postgresql to run more" +
                    in);
    }
    if (env.autoscaling.enabled.value) {
      diags.add(
          env.autoscaling.enabled.mark,
          "autoscaling needs storage.backend postgresql: SQLite runs exactly one replica" + in);
    }
  }
  if (env.backup.enabled.value && env.storage.backend.value == Backend::Postgresql) {
    diags.add(env.backup.enabled.mark,
              "backup needs storage.backend sqlite: comments-service backup copies a SQLite file; "
              "back up PostgreSQL with pg_dump or the database's own backups "
              "(docs/operations.md, Back up, PostgreSQL)" +
                  in);
  }
  if (env.autoscaling.enabled.value &&
      env.autoscaling.min_replicas.value > env.autoscaling.max_replicas.value) {
    diags.add(env.autoscaling.min_replicas.mark,
              "autoscaling.minReplicas (" + std::to_string(env.autoscaling.min_replicas.value) +
                  ") must not exceed autoscaling.maxReplicas (" +
                  std::to_string(env.autoscaling.max_replicas.value) + ")" + in);
  }
  const auto& duration = comments::config::duration();
  const auto* delay_text = env.setting("SHUTDOWN_DELAY");
  const auto* drain_text = env.setting("DRAIN_TIMEOUT");
  const auto delay = delay_text ? duration.parse(delay_text->value) : std::nullopt;
  const auto drain = drain_text ? duration.parse(drain_text->value) : std::nullopt;
  if (delay && drain) {
    const auto needed = *delay + *drain;
    if (std::chrono::seconds(env.termination_grace_seconds.value) <= needed) {
      diags.add(env.termination_grace_seconds.mark,
                "terminationGracePeriodSeconds (" +
                    std::to_string(env.termination_grace_seconds.value) +
                    ") must exceed shutdownDelay + drainTimeout (" + delay_text->value + " + " +
                    drain_text->value + "), or Kubernetes kills in-flight requests" + in);
    }
  }
  const auto& r = env.resources;
  for (const auto& [request, limit, what] :
       {std::tuple{&r.cpu_request, &r.cpu_limit, "cpu"},
        std::tuple{&r.memory_request, &r.memory_limit, "memory"}}) {
    const auto req = schema::quantity_value(request->value);
    const auto lim = schema::quantity_value(limit->value);
    if (req && lim && *req > *lim) {
      diags.add(request->mark, std::string("resources.requests.") + what + " (" + request->value +
                                   ") must not exceed resources.limits." + what + " (" +
                                   limit->value + ")" + in);
    }
  }
}

// Two environments in one namespace would overwrite each other's objects.
void check_namespaces_distinct(const Spec& spec, FileDiagnostics& diags) {
  std::map<std::string, const Environment*> owner;
  for (const auto& env : spec.environments) {
    auto [it, inserted] = owner.emplace(env.ns.value, &env);
    if (!inserted && !env.ns.value.empty()) {
      diags.add(env.ns.mark, "namespace " + env.ns.value + " is already environment " +
                                 it->second->name.value + "'s; each environment needs its own");
    }
  }
}

const std::vector<std::string> top_level_keys = {"app", "defaults", "environments"};

std::optional<Spec> spec_from_node(const YAML::Node& root, const std::string& path,
                                   schema::Diagnostics& all) {
  const std::size_t before = all.size();
  FileDiagnostics diags(all, path);
  if (!schema::check_unique_keys(root, "", diags)) {
    return std::nullopt;
  }
  std::map<std::string, YAML::Node> sections;
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (std::find(top_level_keys.begin(), top_level_keys.end(), key) == top_level_keys.end()) {
      diags.add(entry.first.Mark(),
                "unknown key \"" + key + "\"" + schema::did_you_mean(key, top_level_keys));
    } else {
      sections.emplace(key, entry.second);
    }
  }
  for (const auto& key : top_level_keys) {
    if (!sections.contains(key)) {
      diags.add(root.Mark(), key + " is required");
    }
  }

  Spec spec;
  spec.file = path;
  if (sections.contains("app")) {
    Values app = schema::read_fields(sections["app"], app_table(), "app", diags);
    Layered a(std::move(app), sections["app"].Mark(), " in app", diags);
    spec.app.name = a.text("name");
    spec.app.part_of = a.has("partOf") ? a.text("partOf") : spec.app.name;
    spec.app.port = a.has("port") ? a.integer("port") : Located<int>{8000, {}};
    spec.app.admin_port =
        a.has("adminPort") ? a.integer("adminPort") : Located<int>{default_admin_port, {}};
    if (spec.app.admin_port.value == spec.app.port.value) {
      diags.add(a.has("adminPort") ? spec.app.admin_port.mark : spec.app.port.mark,
                "app.adminPort must differ from app.port (" + std::to_string(spec.app.port.value) +
                    "): probes and scraping get a listener of their own");
    }
  }

  Values defaults;
  if (sections.contains("defaults")) {
    defaults = schema::read_fields(sections["defaults"], settings_table(), "defaults", diags);
    for (const char* env_only : {"namespace", "requireDigest"}) {
      if (auto it = defaults.find(env_only); it != defaults.end()) {
        diags.add(it->second.mark,
                  std::string(env_only) + " belongs to an environment, not to defaults");
      }
    }
  }

  if (sections.contains("environments")) {
    const YAML::Node& envs = sections["environments"];
    if (schema::check_unique_keys(envs, "environments", diags) && envs.size() == 0) {
      diags.add(envs.Mark(), "environments must name at least one environment");
    }
    if (envs.IsMap()) {
      for (const auto& entry : envs) {
        const std::string name = entry.first.Scalar();
        if (auto problem = schema::check_dns_label(name); !problem.empty()) {
          diags.add(entry.first.Mark(), "environment name " + problem + ", not \"" + name + "\"");
          continue;
        }
        Values own =
            schema::read_fields(entry.second, settings_table(), "environments." + name, diags);
        Layered settings(layer(defaults, own), entry.first.Mark(), " (here or in defaults)", diags);
        spec.environments.push_back(build_environment(entry.first, settings));
        check_environment(spec.environments.back(), diags);
      }
    }
  }
  check_namespaces_distinct(spec, diags);
  if (all.size() != before) {
    return std::nullopt;
  }
  return spec;
}

}  // namespace

const Located<std::string>* Environment::setting(std::string_view variable) const {
  auto it = std::find_if(settings.begin(), settings.end(),
                         [&](const auto& entry) { return entry.first == variable; });
  return it == settings.end() ? nullptr : &it->second;
}

const Environment* Spec::find(const std::string& name) const {
  auto it = std::find_if(environments.begin(), environments.end(),
                         [&](const Environment& e) { return e.name.value == name; });
  return it == environments.end() ? nullptr : &*it;
}

std::vector<std::string> Spec::environment_names() const {
  std::vector<std::string> names;
  for (const auto& e : environments) {
    names.push_back(e.name.value);
  }
  return names;
}

std::optional<Spec> load_spec(const std::string& path, schema::Diagnostics& diags) {
  auto root = schema::load_document(path, diags);
  return root ? spec_from_node(*root, path, diags) : std::nullopt;
}

std::optional<Spec> parse_spec(const std::string& text, const std::string& path,
                               schema::Diagnostics& diags) {
  auto root = schema::parse_document(text, path, diags);
  return root ? spec_from_node(*root, path, diags) : std::nullopt;
}

}  // namespace commentsctl::spec
