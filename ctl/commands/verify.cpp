// The verify subcommand.
#include "commands/verify.hpp"

#include <iostream>

#include "promote/history.hpp"
#include "smoke/smoke.hpp"

namespace commentsctl::commands {

int run_verify(const GlobalOptions& global, const VerifyOptions& options, std::ostream& out,
               std::ostream& err) {
  const std::string me = "commentsctl verify: ";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, "verify", err, code);
  if (!spec) {
    return code;
  }
  schema::Diagnostics diags;
  const auto& env = *spec->find(options.environment);
  auto pin = load_pin(global, *spec, env, diags);
  if (!pin) {
    diags.print(err);
    return exit_invalid;
  }
  Clients clients(options.registry, err);
  registry::Reference image;
  try {
    image = resolve_pin(clients, *pin);
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return exit_invalid;
  }
  out << "checking " << options.url << " (" << options.environment << " runs " << image.str()
      << ")\n";
  smoke::SmokeOptions smoke_options;
  smoke_options.timeout = std::chrono::seconds(options.smoke_timeout_seconds);
  smoke_options.tls.ca_file = options.registry.ca_file;
  smoke_options.tls.verify = !options.registry.insecure;
  // The URL must run the pinned build: its revision, and its digest when the manifests pass it in
  // (always when the pin names one, since rendering then passes IMAGE_DIGEST).
  if (pin->source_revision) {
    smoke_options.expect_revision = pin->source_revision->value;
  }
  smoke_options.expect_digest = image.digest;
  smoke_options.require_digest = pin->digest.has_value();
  if (!smoke::run_smoke(options.url, smoke_options, out)) {
    err << me << options.environment << " failed the smoke check; " << image.digest
        << " is not verified\n";
    return exit_invalid;
  }
  const std::string now = promote::now_utc();
  pin->verified_digest = release::Located<std::string>{image.digest, {}};
  pin->verified_url = release::Located<std::string>{options.url, {}};
  pin->verified_at = release::Located<std::string>{now, {}};
  try {
    release::write_pin(pin->file, *pin);
    promote::append_history(
        promote::history_path(global.releases(), options.environment),
        {now, options.environment, "verify", pin->repository.value, pin->tag.value, image.digest,
         options.url, pin->source_revision ? pin->source_revision->value : "", ""});
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return exit_invalid;
  }
  out << "verified " << image.digest << " in " << pin->file << '\n';
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
