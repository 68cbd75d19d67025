// The rollback subcommand: release::plan_rollback and roll_back, their outcomes printed.
#include "commands/rollback.hpp"

#include <iostream>

#include "registry/digest.hpp"
#include "release/rollback.hpp"

namespace commentsctl::commands {

int run_rollback(const GlobalOptions& global, const RollbackOptions& options, std::ostream& out,
                 std::ostream& err) {
  const std::string command = "rollback";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, command, err, code);
  if (!spec) {
    return code;
  }
  const release::Store store = global.store();
  std::vector<std::string> problems;
  auto planned = release::plan_rollback(store, *spec, {options.environment, options.to}, problems);
  for (const auto& p : problems) {
    err << p << '\n';
  }
  if (auto* failure = std::get_if<release::Failure>(&planned)) {
    return report(*failure, command, err);
  }
  const auto& plan = std::get<release::RollbackPlan>(planned);
  if (plan.up_to_date) {
    out << options.environment << " already runs " << plan.current_digest << "; nothing to do\n";
    return exit_ok;
  }
  registry::Sessions sessions(session_options(options.registry, err));
  auto rolled = release::roll_back(store, sessions, plan);
  if (auto* failure = std::get_if<release::Failure>(&rolled)) {
    return report(*failure, command, err);
  }
  const auto& done = std::get<release::RolledBack>(rolled);
  out << "rolled " << options.environment << " back from "
      << (plan.current_digest.empty() ? plan.current.image()
                                      : registry::short_digest(plan.current_digest))
      << " to " << done.pin.tag.value << " " << plan.target.digest << " (" << done.pin_file.string()
      << ")\n";
  if (options.apply) {
    return apply(store, *spec, *spec->find(options.environment), done.pin, plan.current,
                 options.rollout, command, out, err);
  }
  return exit_ok;
}

void add_rollback(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<RollbackOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rollback", "Pin the release ENV ran before (or --to DIGEST from its history) again");
  cmd->add_option("environment", options->environment, "Environment, such as prod")
      ->required()
      ->option_text("ENV");
  cmd->add_option("--to", options->to, "A digest from `commentsctl history ENV`")
      ->option_text("DIGEST")
      ->check([](const std::string& d) {
        return registry::is_sha256_digest(d) ? std::string()
                                             : "must be sha256: and 64 lower-case hex digits";
      });
  cmd->add_flag("--apply", options->apply,
                "Then render ENV, kubectl apply it and wait for the rollout");
  add_registry_options(*cmd, options->registry);
  add_rollout_options(*cmd, options->rollout);
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_rollback(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
