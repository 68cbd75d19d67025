// `commentsctl history ENV`: the environment's promotions, rollbacks and verifications.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct HistoryOptions {
  std::string environment;
  bool json = false;  // the JSON lines as stored
};

int run_history(const GlobalOptions& global, const HistoryOptions& options, std::ostream& out,
                std::ostream& err);

void add_history(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
