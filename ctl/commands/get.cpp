// The get subcommand.
#include "commands/get.hpp"

#include <iostream>

#include "http/connection.hpp"
#include "registry/reference.hpp"

namespace commentsctl::commands {

const std::vector<std::string>& get_fields() {
  static const std::vector<std::string> fields = {"namespace", "deployment", "service",
                                                  "port",      "repository", "tls-verify"};
  return fields;
}

int run_get(const GlobalOptions& global, const GetOptions& options, std::ostream& out,
            std::ostream& err) {
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, "get", err, code);
  if (!spec) {
    return code;
  }
  const auto& env = *spec->find(options.environment);
  const auto& f = options.field;
  if (f == "namespace") {
    out << env.ns.value << '\n';
  } else if (f == "deployment" || f == "service") {
    out << spec->app.name.value << '\n';  // every object of an environment is named after the app
  } else if (f == "port") {
    out << spec->app.port.value << '\n';
  } else if (f == "repository") {
    out << env.image_repository.value << '\n';
  } else {  // tls-verify: plain HTTP and unverified TLS only on loopback (docs/pipeline.md)
    std::string error;
    auto ref = registry::parse_reference(env.image_repository.value + ":probe", error);
    std::string host;
    std::string port;
    if (ref) {
      registry::split_host_port(ref->registry, host, port);
    }
    out << (ref && http::is_loopback(host) ? "false" : "true") << '\n';
  }
  return exit_ok;
}

void add_get(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<GetOptions>();
  CLI::App* cmd = app.add_subcommand(
      "get",
      "Print one fact of ENV from the spec (for scripts): its namespace, object names, port");
  cmd->add_option("environment", options->environment, "Environment, such as dev")
      ->required()
      ->option_text("ENV");
  std::string fields;
  for (const auto& name : get_fields()) {
    fields += (fields.empty() ? "" : "|") + name;
  }
  cmd->add_option("field", options->field,
                  "namespace, deployment and service (object names), port (the Service's), "
                  "repository, tls-verify (false only for a loopback registry)")
      ->required()
      ->option_text(fields)
      ->check(CLI::IsMember(get_fields()));
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_get(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
