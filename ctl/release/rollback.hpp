// Rollback: pinning again a release from an environment's history, the one before the current
// (so a second rollback undoes the first) or a digest named, after checking the registry still
// holds it. Tags are never touched.
#pragma once

#include <string>
#include <vector>

#include "registry/sessions.hpp"
#include "release/outcome.hpp"
#include "release/store.hpp"

namespace commentsctl::release {

struct RollbackRequest {
  std::string environment;
  std::string to;  // a digest from the history; empty: the release before the current one
};

struct RollbackPlan {
  Pin current;
  std::string current_digest;  // "" for a pin by tag alone
  HistoryEntry target;
  bool up_to_date = false;  // the target is what the environment runs
};

struct RolledBack {
  Pin pin;
  std::filesystem::path pin_file;
};

// The release to go back to. Unreadable history lines go to `problems`, which are reported
// whether or not a target is found.
Outcome<RollbackPlan> plan_rollback(const Store& store, const spec::Spec& spec,
                                    const RollbackRequest& request,
                                    std::vector<std::string>& problems);

// Checks that the registry still has the target, then records it as the pin.
Outcome<RolledBack> roll_back(const Store& store, registry::Sessions& sessions,
                              const RollbackPlan& plan);

}  // namespace commentsctl::release
