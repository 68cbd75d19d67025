// The validate subcommand.
#include "commands/validate.hpp"

#include <memory>

namespace commentsctl::commands {

int run_validate(const GlobalOptions& global, const ValidateOptions& options, std::ostream& out,
                 std::ostream& err) {
  schema::Diagnostics diags;
  if (auto spec = spec::load_spec(global.spec_path, diags)) {
    for (const auto& name : options.environments) {
      if (auto problem = unknown_environment(*spec, name); !problem.empty()) {
        err << "commentsctl validate: " << problem << '\n';
        return exit_usage;
      }
    }
  }
  auto project = diags.empty() ? load_project(global, options.environments, diags) : std::nullopt;
  if (!project) {
    diags.print(err);
    return exit_invalid;
  }
  std::string names;
  for (const auto& [name, pin] : project->pins) {
    names += (names.empty() ? "" : ", ") + name + " (" + pin.image() + ")";
  }
  out << global.spec_path << ": valid: " << names << '\n';
  return exit_ok;
}

void add_validate(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check the spec and the release pins; print each problem as FILE:LINE:COLUMN: message");
  cmd->add_option("environments", options->environments,
                  "Environments whose pins to check (default: all)")
      ->option_text("ENV...");
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_validate(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
