// The smoke subcommand.
#include "commands/smoke.hpp"

#include <iostream>

#include "smoke/smoke.hpp"

namespace commentsctl::commands {

int run_smoke_command(const SmokeCommandOptions& options, std::ostream& out) {
  smoke::SmokeOptions smoke_options;
  smoke_options.timeout = std::chrono::seconds(options.timeout_seconds);
  smoke_options.tls.ca_file = options.ca_file;
  smoke_options.tls.verify = !options.insecure;
  smoke_options.expect_revision = options.revision;
  smoke_options.expect_digest = options.digest;
  smoke_options.require_digest = !options.digest.empty();
  const bool ok = smoke::run_smoke(options.url, smoke_options, out);
  out << (ok ? "smoke check passed: " : "smoke check FAILED: ") << options.url << '\n';
  return ok ? exit_ok : exit_invalid;
}

void add_smoke(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SmokeCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "smoke", "Check a running service: /healthz, /readyz, post a comment and read it back");
  cmd->add_option("url", options->url, "Base URL, such as http://comments.comments:8000")
      ->required()
      ->option_text("URL");
  cmd->add_option("--timeout", options->timeout_seconds, "Seconds per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 300));
  cmd->add_option("--ca-file", options->ca_file, "Also trust these CA certificates (https)")
      ->option_text("FILE")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--insecure", options->insecure, "Skip TLS verification (https)");
  cmd->add_option("--revision", options->revision,
                  "First check that GET /version reports this revision");
  cmd->add_option("--digest", options->digest,
                  "First check that GET /version reports this image digest");
  cmd->callback([&exit_code, options] { exit_code = run_smoke_command(*options, std::cout); });
}

}  // namespace commentsctl::commands
