// What every subcommand starts from: the global options, and the spec with its release pins.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "release/outcome.hpp"
#include "release/store.hpp"
#include "schema/diagnostics.hpp"
#include "spec/spec.hpp"

namespace commentsctl::commands {

// Exit codes shared by all subcommands.
inline constexpr int exit_ok = 0;
inline constexpr int exit_invalid = 1;  // the spec, a pin or an operation failed
inline constexpr int exit_usage = 2;    // the command line is wrong

struct GlobalOptions {
  std::string spec_path = "k8s/comments.yaml";
  std::string releases_dir;  // empty: `releases/` beside the spec

  [[nodiscard]] std::filesystem::path releases() const;
  [[nodiscard]] release::Store store() const { return release::Store(releases()); }
};

// Adds --spec and --releases to `app`; subcommands accept them too.
void add_global_options(CLI::App& app, GlobalOptions& options);

struct Project {
  spec::Spec spec;
  std::map<std::string, release::Pin> pins;  // by environment name
};

// Loads the spec and the pins of `environments` (every environment when empty), checking each
// pin against its environment. nullopt when anything is wrong, with every problem in `diags`.
std::optional<Project> load_project(const GlobalOptions& options,
                                    const std::vector<std::string>& environments,
                                    schema::Diagnostics& diags);

// The spec, after checking that every name in `environments` is one of its environments. On
// failure prints why on `err` ("commentsctl COMMAND: ...") and sets `exit_code` to 1 (invalid
// spec) or 2 (unknown environment).
std::optional<spec::Spec> load_spec_for(const GlobalOptions& options,
                                        const std::vector<std::string>& environments,
                                        const std::string& command, std::ostream& err,
                                        int& exit_code);

// Prints why a release operation failed ("commentsctl COMMAND: ..." or its file:line:column
// problems) and returns the exit code.
int report(const release::Failure& failure, const std::string& command, std::ostream& err);

// "no environment "x" in FILE (environments: dev, prod; did you mean ...)" or "" when it exists.
std::string unknown_environment(const spec::Spec& spec, const std::string& name);

}  // namespace commentsctl::commands
