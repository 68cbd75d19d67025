// commentsctl, the operator CLI of the comments service: wires subcommands to their libraries.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands/get.hpp"
#include "commands/history.hpp"
#include "commands/pin.hpp"
#include "commands/project.hpp"
#include "commands/promote.hpp"
#include "commands/render.hpp"
#include "commands/rollback.hpp"
#include "commands/smoke.hpp"
#include "commands/validate.hpp"
#include "commands/verify.hpp"

// What escapes (std::bad_alloc, a bug) ends in std::terminate, whose report and core dump are
// what we want for it.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace commentsctl::commands;
  CLI::App app{"commentsctl: render, check and release the comments service on Kubernetes"};
  app.set_version_flag("--version", COMMENTSCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  add_global_options(app, global);
  int exit_code = exit_ok;
  add_validate(app, global, exit_code);
  add_render(app, global, exit_code);
  add_promote(app, global, exit_code);
  add_pin(app, global, exit_code);
  add_verify(app, global, exit_code);
  add_history(app, global, exit_code);
  add_rollback(app, global, exit_code);
  add_smoke(app, exit_code);
  add_get(app, global, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; every other command-line mistake is a usage error.
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  return exit_code;
}
