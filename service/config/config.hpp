// The command line: flags and environment variables (the flag wins), read through the settings
// table into one Config, and the subcommands that do not serve.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "service/config/settings.hpp"

namespace comments::config {

struct HealthcheckCommand {
  std::string url;
  std::chrono::milliseconds timeout{};
};

struct BackupCommand {
  std::string to;      // the copy's path (replaced), or "" with to_dir
  std::string to_dir;  // a folder of dated copies, or "" with to
  unsigned keep = 7;   // with to_dir: the dated copies left after the run
};

struct TransferCommand {
  std::string to = "-";    // export: the file written ("-": stdout)
  std::string from = "-";  // import: the file read ("-": stdin)
};

// What the command line asked for: serve (with a configuration), check the configuration and
// exit, print the settings table, probe a running service, copy its SQLite database, or export
// or import its data.
struct Command {
  enum class Kind {
    serve,
    check,
    settings,
    healthcheck,
    backup,
    export_data,
    import_data
  } kind = Kind::serve;
  Config config;
  HealthcheckCommand healthcheck;
  BackupCommand backup;
  TransferCommand transfer;
};

// Either a command to run, or the exit code to leave with (0 after --help/--version,
// 2 after a bad flag or value, whose message has already been printed to stderr).
struct ParseOutcome {
  std::optional<Command> command;
  int exit_code = 0;
};

ParseOutcome parse(int argc, const char* const* argv);

// The settings table as JSON (docs/settings.json is this, formatted by scripts/settings.py).
void print_settings(std::ostream& out);

std::string_view to_string(LogLevel level);

}  // namespace comments::config
