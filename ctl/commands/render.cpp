// The render subcommand.
#include "commands/render.hpp"

#include <memory>

#include "render/render.hpp"

namespace commentsctl::commands {

int run_render(const GlobalOptions& global, const RenderOptions& options, std::ostream& out,
               std::ostream& err) {
  int code = exit_ok;
  if (!load_spec_for(global, {options.environment}, "render", err, code)) {
    return code;
  }
  schema::Diagnostics diags;
  auto project = load_project(global, {options.environment}, diags);
  if (!project) {
    diags.print(err);
    return exit_invalid;
  }
  const auto& env = *project->spec.find(options.environment);
  const auto objects = render::render(project->spec, env, project->pins.at(options.environment));
  if (options.out_dir.empty()) {
    out << render::to_documents(options.environment, objects);
    return exit_ok;
  }
  try {
    for (const auto& path : render::write_files(options.out_dir, objects)) {
      out << path.string() << '\n';
    }
  } catch (const std::exception& e) {
    err << "commentsctl render: " << e.what() << '\n';
    return exit_invalid;
  }
  return exit_ok;
}

void add_render(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render", "Write the Kubernetes manifests of an environment (multi-document YAML on stdout)");
  cmd->add_option("environment", options->environment, "Environment to render, such as dev")
      ->required()
      ->option_text("ENV");
  cmd->add_option("--out", options->out_dir, "Write one file per object into DIR instead")
      ->option_text("DIR");
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_render(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
