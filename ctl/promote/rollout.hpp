// Applying a release to the cluster with kubectl: render the environment with a pin, apply it,
// wait for the rollout, and when it fails put the previous pin back and apply that.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "release/pin.hpp"
#include "spec/spec.hpp"

namespace commentsctl::promote {

struct RolloutOptions {
  std::string kubectl = "kubectl";  // program on PATH (tests put a stub first)
  std::string timeout = "5m";       // kubectl rollout status --timeout
};

// Renders `env` with `pin`, pipes it to `kubectl apply -f -` and waits for
// `kubectl rollout status deployment/<app> -n <namespace>`. True when both succeed.
bool apply_release(const spec::Spec& spec, const spec::Environment& env, const release::Pin& pin,
                   const RolloutOptions& options, std::ostream& out, std::ostream& err);

// apply_release of `pin` (already written to `pin_file`); when it fails and `previous` is
// known: writes `previous` back to `pin_file`, applies it and records an "auto-rollback" in
// `history_file`. True when `pin` rolled out.
bool roll_out(const spec::Spec& spec, const spec::Environment& env,
              const std::filesystem::path& pin_file, const release::Pin& pin,
              const std::optional<release::Pin>& previous,
              const std::filesystem::path& history_file, const RolloutOptions& options,
              std::ostream& out, std::ostream& err);

}  // namespace commentsctl::promote
