// `commentsctl get ENV FIELD`: one fact of an environment as the spec defines it (its namespace,
// the names of its Deployment and Service, the service port, whether its registry needs TLS
// verification), printed alone on a line so that scripts read names instead of repeating them.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct GetOptions {
  std::string environment;
  std::string field;
};

// The fields `get` knows, in the order `--help` lists them.
const std::vector<std::string>& get_fields();

// 0 printed, 1 the spec is invalid, 2 unknown environment.
int run_get(const GlobalOptions& global, const GetOptions& options, std::ostream& out,
            std::ostream& err);

void add_get(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
