// `commentsctl smoke URL`: the smoke check of a running service, exit 0 when it passes, 1 when
// a step fails. `helm test` and the pipeline run it from the container image.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct SmokeCommandOptions {
  std::string url;
  int timeout_seconds = 5;
  std::string ca_file;
  bool insecure = false;
  std::string revision;  // GET /version must report these first
  std::string digest;
};

int run_smoke_command(const SmokeCommandOptions& options, std::ostream& out);

void add_smoke(CLI::App& app, int& exit_code);

}  // namespace commentsctl::commands
