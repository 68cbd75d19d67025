// The verify subcommand: release::verify with the smoke options from the command line.
#include "commands/verify.hpp"

#include <iostream>

#include "release/verify.hpp"

namespace commentsctl::commands {

int run_verify(const GlobalOptions& global, const VerifyOptions& options, std::ostream& out,
               std::ostream& err) {
  const std::string command = "verify";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, command, err, code);
  if (!spec) {
    return code;
  }
  const release::Store store = global.store();
  registry::Sessions sessions(session_options(options.registry, err));
  auto target = release::prepare_verify(store, *spec, *spec->find(options.environment), sessions);
  if (auto* failure = std::get_if<release::Failure>(&target)) {
    return report(*failure, command, err);
  }
  auto& image = std::get<release::VerifyTarget>(target).image;
  out << "checking " << options.url << " (" << options.environment << " runs " << image.str()
      << ")\n";
  smoke::SmokeOptions smoke_options;
  smoke_options.timeout = std::chrono::seconds(options.smoke_timeout_seconds);
  smoke_options.tls.ca_file = options.registry.ca_file;
  smoke_options.tls.verify = !options.registry.insecure;
  auto verified = release::verify(store, std::get<release::VerifyTarget>(std::move(target)),
                                  options.url, smoke_options, out);
  if (auto* failure = std::get_if<release::Failure>(&verified)) {
    return report(*failure, command, err);
  }
  const auto& done = std::get<release::Verified>(verified);
  out << "verified " << done.digest << " in " << done.pin_file << '\n';
  return exit_ok;
}

void add_verify(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Smoke-check ENV's deployment at URL and record that its pinned digest passed");
  cmd->add_option("environment", options->environment, "Environment, such as dev")
      ->required()
      ->option_text("ENV");
  cmd->add_option("--url", options->url, "Base URL of the environment's service")
      ->required()
      ->option_text("URL");
  cmd->add_option("--smoke-timeout", options->smoke_timeout_seconds, "Seconds per smoke request")
      ->capture_default_str()
      ->check(CLI::Range(1, 300));
  add_registry_options(*cmd, options->registry);
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_verify(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
