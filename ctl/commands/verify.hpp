// `commentsctl verify ENV --url URL`: runs the smoke check against ENV's deployment and records
// in ENV's pin that its digest passed, which `promote` requires of its source.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/registry_access.hpp"

namespace commentsctl::commands {

struct VerifyOptions {
  std::string environment;
  std::string url;
  int smoke_timeout_seconds = 5;
  RegistryOptions registry;
};

// 0 verified and recorded, 1 the check failed (the pin is left alone) or the digest cannot be
// resolved, 2 bad command line.
int run_verify(const GlobalOptions& global, const VerifyOptions& options, std::ostream& out,
               std::ostream& err);

void add_verify(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
