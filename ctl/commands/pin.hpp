// `commentsctl pin ENV`: shows an environment's release pin, or (with --tag) writes it — how the
// pipeline records the image it just pushed to an environment's repository.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct PinOptions {
  std::string environment;
  std::string field;       // show one field: repository, tag, digest or image
  std::string repository;  // must be the spec's repository of the environment (the default)
  std::string tag;
  std::string digest;
  std::string revision;
  std::string from = "ci";
};

// 0 shown or written, 1 invalid spec/pin/values, 2 bad command line.
int run_pin(const GlobalOptions& global, const PinOptions& options, std::ostream& out,
            std::ostream& err);

void add_pin(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
