// What the release subcommands (promote, verify, rollback) share: registry options on the
// command line, one client per registry, and the rollout options.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "commands/project.hpp"
#include "promote/rollout.hpp"
#include "registry/client.hpp"
#include "registry/reference.hpp"

namespace commentsctl::commands {

struct RegistryOptions {
  bool insecure = false;
  std::string ca_file;
  int attempts = 5;
  int timeout_seconds = 60;
  int backoff_ms = 500;
};

void add_registry_options(CLI::App& cmd, RegistryOptions& options);
void add_rollout_options(CLI::App& cmd, promote::RolloutOptions& options);

// One client per registry name, so that a promotion inside one registry uses one client (and
// mounts blobs) and tokens are fetched once.
class Clients {
 public:
  Clients(const RegistryOptions& options, std::ostream& log);
  registry::Client& get(const std::string& registry);

 private:
  registry::ClientOptions options_;
  std::map<std::string, std::unique_ptr<registry::Client>> clients_;
};

// The environment's pin, checked against the spec; nullopt with the problems in `diags`.
std::optional<release::Pin> load_pin(const GlobalOptions& global, const spec::Spec& spec,
                                     const spec::Environment& env, schema::Diagnostics& diags);

// The pin's image with its digest: the pin's own, else the registry's answer for its tag.
// Throws registry::RegistryError, or std::runtime_error for an unusable reference.
registry::Reference resolve_pin(Clients& clients, const release::Pin& pin);

}  // namespace commentsctl::commands
