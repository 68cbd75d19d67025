// Loading the spec and pins together, so that validate and render see the same problems.
#include "commands/project.hpp"

#include "schema/suggest.hpp"

namespace commentsctl::commands {

std::filesystem::path GlobalOptions::releases() const {
  if (!releases_dir.empty()) {
    return releases_dir;
  }
  return std::filesystem::path(spec_path).parent_path() / "releases";
}

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--spec", options.spec_path, "The deployment spec")
      ->capture_default_str()
      ->option_text("FILE");
  app.add_option("--releases", options.releases_dir,
                 "Folder of release pins <env>.yaml (default: releases/ beside the spec)")
      ->option_text("DIR");
}

std::optional<Project> load_project(const GlobalOptions& options,
                                    const std::vector<std::string>& environments,
                                    schema::Diagnostics& diags) {
  auto spec = spec::load_spec(options.spec_path, diags);
  if (!spec) {
    return std::nullopt;
  }
  Project project{*spec, {}};
  const std::size_t before = diags.size();
  const release::Store store = options.store();
  for (const auto& env : spec->environments) {
    const std::string& name = env.name.value;
    if (!environments.empty() &&
        std::find(environments.begin(), environments.end(), name) == environments.end()) {
      continue;
    }
    if (auto pin = store.load(*spec, env, diags)) {
      project.pins.emplace(name, *pin);
    }
  }
  if (diags.size() != before) {
    return std::nullopt;
  }
  return project;
}

std::optional<spec::Spec> load_spec_for(const GlobalOptions& options,
                                        const std::vector<std::string>& environments,
                                        const std::string& command, std::ostream& err,
                                        int& exit_code) {
  schema::Diagnostics diags;
  auto spec = spec::load_spec(options.spec_path, diags);
  if (!spec) {
    diags.print(err);
    exit_code = exit_invalid;
    return std::nullopt;
  }
  for (const auto& name : environments) {
    if (auto problem = unknown_environment(*spec, name); !problem.empty()) {
      err << "commentsctl " << command << ": " << problem << '\n';
      exit_code = exit_usage;
      return std::nullopt;
    }
  }
  return spec;
}

int report(const release::Failure& failure, const std::string& command, std::ostream& err) {
  failure.diagnostics.print(err);
  if (!failure.message.empty()) {
    err << "commentsctl " << command << ": " << failure.message << '\n';
  }
  return failure.kind == release::Failure::Kind::Usage ? exit_usage : exit_invalid;
}

std::string unknown_environment(const spec::Spec& spec, const std::string& name) {
  if (spec.find(name) != nullptr) {
    return "";
  }
  std::string names;
  for (const auto& n : spec.environment_names()) {
    names += (names.empty() ? "" : ", ") + n;
  }
  return "no environment \"" + name + "\" in " + spec.file + " (environments: " + names + ")" +
         schema::did_you_mean(name, spec.environment_names());
}

}  // namespace commentsctl::commands
