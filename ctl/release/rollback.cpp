// Choosing a release from the history and pinning it again.
#include "release/rollback.hpp"

#include "registry/reference.hpp"

namespace commentsctl::release {

Outcome<RollbackPlan> plan_rollback(const Store& store, const spec::Spec& spec,
                                    const RollbackRequest& request,
                                    std::vector<std::string>& problems) {
  schema::Diagnostics diags;
  auto current = store.load(spec, *spec.find(request.environment), diags);
  if (!current) {
    return invalid(std::move(diags));
  }
  RollbackPlan plan;
  plan.current = *current;
  plan.current_digest = current->digest ? current->digest->value : "";
  const auto entries = store.history(request.environment, problems);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    // A verification is not a release, and a pin by tag alone names no digest to go back to.
    if (it->action == "verify" || it->digest.empty() ||
        it->repository != current->repository.value) {
      continue;
    }
    if (request.to.empty() ? it->digest != plan.current_digest : it->digest == request.to) {
      plan.target = *it;
      plan.up_to_date = it->digest == plan.current_digest;
      return plan;
    }
  }
  const std::string current_name =
      plan.current_digest.empty() ? current->image() : plan.current_digest;
  return invalid((request.to.empty()
                      ? "no earlier release of " + request.environment + " than " + current_name
                      : request.to + " is not in the history of " + request.environment) +
                 " (" + store.history_file(request.environment).string() + ")");
}

Outcome<RolledBack> roll_back(const Store& store, registry::Sessions& sessions,
                              const RollbackPlan& plan) {
  const HistoryEntry& target = plan.target;
  return guarded<RolledBack>([&]() -> Outcome<RolledBack> {
    std::string error;
    auto ref = registry::parse_reference(target.repository + "@" + target.digest, error);
    if (!ref) {
      return invalid(error);
    }
    if (!sessions.get(ref->registry).head_manifest(ref->repository, ref->digest)) {
      return invalid(ref->str() + " is no longer in the registry; cannot roll back to it");
    }
    RolledBack done;
    Pin& pin = done.pin;
    pin.environment.value = plan.current.environment.value;
    pin.repository.value = target.repository;
    pin.tag.value = target.tag;
    pin.digest = Located<std::string>{target.digest, {}};
    if (!target.from.empty()) {
      pin.source_from = Located<std::string>{target.from, {}};
    }
    if (!target.revision.empty()) {
      pin.source_revision = Located<std::string>{target.revision, {}};
    }
    pin.pinned_at = Located<std::string>{now_utc(), {}};
    HistoryEntry entry = history_entry(pin, "rollback", pin.pinned_at->value);
    entry.previous = plan.current_digest;
    store.record(pin, entry);
    done.pin_file = store.pin_file(pin.environment.value);
    return done;
  });
}

}  // namespace commentsctl::release
