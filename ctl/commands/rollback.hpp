// `commentsctl rollback ENV [--to DIGEST]`: pins the release ENV ran before (or the one named)
// again, after checking the registry still has it; optionally applies it.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/registry_access.hpp"

namespace commentsctl::commands {

struct RollbackOptions {
  std::string environment;
  std::string to;  // a digest from the history; empty: the release before the current one
  bool apply = false;
  RegistryOptions registry;
  release::RolloutOptions rollout;
};

int run_rollback(const GlobalOptions& global, const RollbackOptions& options, std::ostream& out,
                 std::ostream& err);

void add_rollback(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
