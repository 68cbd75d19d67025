// What the release subcommands (promote, verify, rollback) share on the command line: the
// registry options (turned into the sessions' options, over one TLS context for the run) and
// the rollout options.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/project.hpp"
#include "registry/session.hpp"
#include "release/rollout.hpp"

namespace commentsctl::commands {

struct RegistryOptions {
  bool insecure = false;
  std::string ca_file;
  int attempts = 5;
  int timeout_seconds = 60;
  int backoff_ms = 500;
  std::string authfile;
};

void add_registry_options(CLI::App& cmd, RegistryOptions& options);
void add_rollout_options(CLI::App& cmd, release::RolloutOptions& options);

// The sessions' options for `options`, logging retries on `log`.
registry::Options session_options(const RegistryOptions& options, std::ostream& log);

// --apply: rolls `pin` out (see release::roll_out); exit 0 when it rolled out, else 1.
int apply(const release::Store& store, const spec::Spec& spec, const spec::Environment& env,
          const release::Pin& pin, const std::optional<release::Pin>& previous,
          const release::RolloutOptions& options, const std::string& command, std::ostream& out,
          std::ostream& err);

}  // namespace commentsctl::commands
