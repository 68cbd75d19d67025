// Applying a release to the cluster with kubectl: render the environment with a pin, apply it,
// wait for the rollout, and when it fails put the previous pin back and apply that.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "release/store.hpp"
#include "spec/spec.hpp"

namespace commentsctl::release {

struct RolloutOptions {
  std::string kubectl = "kubectl";  // program on PATH (tests put a stub first)
  std::string timeout = "5m";       // kubectl rollout status --timeout
};

// Renders `env` with `pin`, pipes it to `kubectl apply -f -` and waits for
// `kubectl rollout status deployment/<app> -n <namespace>`. True when both succeed.
bool apply_release(const spec::Spec& spec, const spec::Environment& env, const Pin& pin,
                   const RolloutOptions& options, std::ostream& out, std::ostream& err);

// apply_release of `pin` (already recorded in `store`); when it fails and `previous` is known:
// records `previous` again as an "auto-rollback" and applies it. True when `pin` rolled out.
bool roll_out(const Store& store, const spec::Spec& spec, const spec::Environment& env,
              const Pin& pin, const std::optional<Pin>& previous, const RolloutOptions& options,
              std::ostream& out, std::ostream& err);

}  // namespace commentsctl::release
