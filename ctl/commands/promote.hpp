// `commentsctl promote SRC DST`: copies SRC's verified image to DST's repository by digest,
// pins it in DST's release pin, records it in DST's history, and optionally applies it.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/registry_access.hpp"

namespace commentsctl::commands {

struct PromoteOptions {
  std::string source;
  std::string destination;
  bool dry_run = false;
  bool yes = false;
  bool force = false;  // accept a source digest that `verify` has not passed
  bool apply = false;
  bool git = false;
  std::string git_dir = ".";
  int parallel = 4;  // blob copies at once
  RegistryOptions registry;
  release::RolloutOptions rollout;
};

// 0 promoted (or already there), 1 refused or failed, 2 bad command line (also: no terminal and
// no --yes).
int run_promote(const GlobalOptions& global, const PromoteOptions& options, bool interactive,
                std::istream& in, std::ostream& out, std::ostream& err);

void add_promote(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
