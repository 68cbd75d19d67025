// What the release subcommands (promote, verify, rollback) share: registry options on the
// command line, one registry session per registry (over one TLS context for the run), and the
// rollout options.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "commands/project.hpp"
#include "promote/rollout.hpp"
#include "registry/session.hpp"
#include "registry/reference.hpp"

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
void add_rollout_options(CLI::App& cmd, promote::RolloutOptions& options);

// One registry (and a session with it) per registry name, so that a promotion inside one
// registry mounts blobs, and tokens and credentials are fetched once.
class Clients {
 public:
  Clients(const RegistryOptions& options, std::ostream& log);
  registry::Session& get(const std::string& registry);

 private:
  registry::Options options_;
  std::map<std::string, std::pair<std::unique_ptr<registry::Registry>,
                                  std::unique_ptr<registry::Session>>>
      clients_;
};

// The environment's pin, checked against the spec; nullopt with the problems in `diags`.
std::optional<release::Pin> load_pin(const GlobalOptions& global, const spec::Spec& spec,
                                     const spec::Environment& env, schema::Diagnostics& diags);

// The pin's image with its digest: the pin's own, else the registry's answer for its tag.
// Throws registry::RegistryError, or std::runtime_error for an unusable reference.
registry::Reference resolve_pin(Clients& clients, const release::Pin& pin);

}  // namespace commentsctl::commands
