// Registry and rollout options shared by the release subcommands.
#include "commands/registry_access.hpp"

namespace commentsctl::commands {

void add_registry_options(CLI::App& cmd, RegistryOptions& options) {
  cmd.add_flag("--insecure", options.insecure,
               "Skip TLS verification and allow plain HTTP to any registry (plain HTTP is "
               "always allowed to loopback)");
  cmd.add_option("--ca-file", options.ca_file, "Also trust the CA certificates in this PEM file")
      ->option_text("FILE")
      ->check(CLI::ExistingFile);
  cmd.add_option("--attempts", options.attempts,
                 "Attempts per registry request on network errors, 429 and 5xx")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  cmd.add_option("--timeout", options.timeout_seconds, "Seconds per registry read or write")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd.add_option("--backoff-ms", options.backoff_ms,
                 "First retry delay in milliseconds, doubled after each failure")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  cmd.add_option("--authfile", options.authfile,
                 "Registry credentials file (auth.json or config.json format), searched first "
                 "instead of REGISTRY_AUTH_FILE, as skopeo's --authfile")
      ->option_text("FILE");
}

void add_rollout_options(CLI::App& cmd, promote::RolloutOptions& options) {
  cmd.add_option("--rollout-timeout", options.timeout,
                 "With --apply: how long kubectl rollout status waits")
      ->capture_default_str()
      ->option_text("DURATION");
  cmd.add_option("--kubectl", options.kubectl, "With --apply: the kubectl program")
      ->capture_default_str()
      ->option_text("PROGRAM");
}

Clients::Clients(const RegistryOptions& options, std::ostream& log) {
  options_.insecure = options.insecure;
  options_.tls_options.ca_file = options.ca_file;
  options_.tls_options.verify = !options.insecure;
  options_.tls = std::make_shared<http::TlsContext>(options_.tls_options);
  options_.retry.attempts = options.attempts;
  options_.timeouts.io = std::chrono::seconds(options.timeout_seconds);
  options_.retry.backoff = std::chrono::milliseconds(options.backoff_ms);
  options_.log = &log;
  options_.credentials = [authfile = options.authfile](const std::string& registry) {
    return registry::find_credentials(registry, registry::system_credential_sources(authfile));
  };
}

registry::Session& Clients::get(const std::string& registry) {
  auto& [shared, session] = clients_[registry];
  if (!session) {
    shared = std::make_unique<registry::Registry>(registry, options_);
    session = std::make_unique<registry::Session>(shared->session());
  }
  return *session;
}

std::optional<release::Pin> load_pin(const GlobalOptions& global, const spec::Spec& spec,
                                     const spec::Environment& env, schema::Diagnostics& diags) {
  const auto path = release::pin_path(global.releases(), env.name.value).string();
  if (!std::filesystem::exists(path)) {
    diags.add(spec.file, env.name.mark,
              "environment " + env.name.value + " has no release pin: " + path + " does not exist");
    return std::nullopt;
  }
  const std::size_t before = diags.size();
  auto pin = release::read_pin(path, diags);
  if (pin) {
    release::check_pin(spec, env, *pin, diags);
  }
  return diags.size() == before ? pin : std::nullopt;
}

registry::Reference resolve_pin(Clients& clients, const release::Pin& pin) {
  std::string error;
  auto ref = registry::parse_reference(pin.repository.value + ":" + pin.tag.value, error);
  if (!ref) {
    throw std::runtime_error(pin.file + ": " + error);
  }
  if (pin.digest) {
    ref->digest = pin.digest->value;
    return *ref;
  }
  auto found = clients.get(ref->registry).head_manifest(ref->repository, ref->tag);
  if (!found) {
    throw registry::RegistryError(registry::RegistryError::Kind::NotFound,
                                  ref->str() + " (" + pin.file + ") is not in the registry");
  }
  ref->digest = found->digest;
  return *ref;
}

}  // namespace commentsctl::commands
