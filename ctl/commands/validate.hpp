// `commentsctl validate [ENV...]`: checks the spec and the release pins, printing every problem.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct ValidateOptions {
  std::vector<std::string> environments;  // empty: all
};

// 0 when valid, 1 with `file:line:column: message` lines on `err`, 2 for an unknown environment.
int run_validate(const GlobalOptions& global, const ValidateOptions& options, std::ostream& out,
                 std::ostream& err);

// Registers the subcommand; its exit code lands in `exit_code`.
void add_validate(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
