// `commentsctl render ENV [--out DIR]`: the environment's Kubernetes manifests.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "commands/project.hpp"

namespace commentsctl::commands {

struct RenderOptions {
  std::string environment;
  std::string out_dir;  // empty: multi-document YAML on `out`
};

// 0 after rendering, 1 when the spec or pin is invalid, 2 for an unknown environment.
int run_render(const GlobalOptions& global, const RenderOptions& options, std::ostream& out,
               std::ostream& err);

void add_render(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace commentsctl::commands
