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

void add_rollout_options(CLI::App& cmd, release::RolloutOptions& options) {
  cmd.add_option("--rollout-timeout", options.timeout,
                 "With --apply: how long kubectl rollout status waits")
      ->capture_default_str()
      ->option_text("DURATION");
  cmd.add_option("--kubectl", options.kubectl, "With --apply: the kubectl program")
      ->capture_default_str()
      ->option_text("PROGRAM");
}

registry::Options session_options(const RegistryOptions& options, std::ostream& log) {
  registry::Options result;
  result.insecure = options.insecure;
  result.tls_options.ca_file = options.ca_file;
  result.tls_options.verify = !options.insecure;
  result.tls = std::make_shared<http::TlsContext>(result.tls_options);
  result.retry.attempts = options.attempts;
  result.timeouts.io = std::chrono::seconds(options.timeout_seconds);
  result.retry.backoff = std::chrono::milliseconds(options.backoff_ms);
  result.log = &log;
  result.credentials = [authfile = options.authfile](const std::string& registry) {
    return registry::find_credentials(registry, registry::system_credential_sources(authfile));
  };
  return result;
}

int apply(const release::Store& store, const spec::Spec& spec, const spec::Environment& env,
          const release::Pin& pin, const std::optional<release::Pin>& previous,
          const release::RolloutOptions& options, const std::string& command, std::ostream& out,
          std::ostream& err) {
  try {
    return release::roll_out(store, spec, env, pin, previous, options, out, err) ? exit_ok
                                                                                 : exit_invalid;
  } catch (const std::exception& e) {  // the automatic rollback could not be recorded
    err << "commentsctl " << command << ": " << e.what() << '\n';
    return exit_invalid;
  }
}

}  // namespace commentsctl::commands
