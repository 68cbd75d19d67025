// The steps of a promotion, each returning what the command prints or the Failure that ends it.
#include "release/promote.hpp"

#include "release/image.hpp"

namespace commentsctl::release {
namespace {

// Why SRC's pinned digest is not the one `verify` passed, or "" when it is.
std::string unverified(const PromoteRequest& request, const Pin& pin, const std::string& digest) {
  if (pin.verified_digest && pin.verified_digest->value == digest) {
    return "";
  }
  return pin.verified_digest ? request.source + "'s verified digest " + pin.verified_digest->value +
                                   " is not the pinned image " + digest
                             : request.source + "'s pin records no verified digest";
}

std::optional<Failure> as_failure(Outcome<std::monostate> outcome) {
  if (auto* failure = std::get_if<Failure>(&outcome)) {
    return std::move(*failure);
  }
  return std::nullopt;
}

}  // namespace

Outcome<PreparedPromotion> prepare_promotion(const Store& store, const spec::Spec& spec,
                                             const PromoteRequest& request,
                                             registry::Sessions& sessions, std::ostream& warnings) {
  if (request.source == request.destination) {
    return usage("source and destination are both " + request.source);
  }
  PreparedPromotion prepared;
  prepared.destination_env = spec.find(request.destination);
  schema::Diagnostics diags;
  auto source_pin = store.load(spec, *spec.find(request.source), diags);
  if (!source_pin) {
    return invalid(std::move(diags));
  }
  prepared.source_pin = *source_pin;
  if (store.has_pin(request.destination)) {
    prepared.previous = store.read(request.destination, diags);
    if (!prepared.previous) {
      return invalid(std::move(diags));
    }
  }
  std::string error;
  auto destination = registry::parse_reference(
      prepared.destination_env->image_repository.value + ":" + source_pin->tag.value, error);
  if (!destination) {
    return invalid(error);
  }
  return guarded<PreparedPromotion>([&]() -> Outcome<PreparedPromotion> {
    const auto source = resolve_pin(sessions, *source_pin);
    prepared.warning = unverified(request, *source_pin, source.digest);
    if (!prepared.warning.empty()) {
      if (!request.force) {
        return invalid("refusing: " + prepared.warning + "; run `commentsctl verify " +
                       request.source + " --url URL` first (or pass --force)");
      }
      warnings << "commentsctl promote: warning: " << prepared.warning
               << "; promoting anyway (--force)\n";
    }
    prepared.plan = promote::make_plan(sessions.get(source.registry), source,
                                       sessions.get(destination->registry), *destination);
    const auto& previous = prepared.previous;
    prepared.up_to_date = prepared.plan.complete() && previous && previous->digest &&
                          previous->digest->value == prepared.plan.digest &&
                          previous->tag.value == destination->tag;
    prepared.branches = {request.git_dir, request.source, "main"};
    return std::move(prepared);
  });
}

std::optional<Failure> admit_promotion(const PromoteRequest& request, PreparedPromotion& prepared) {
  const auto& plan = prepared.plan;
  if (plan.tag == promote::TagState::Other) {
    return invalid("refusing to move tag " + plan.destination.tag + " of " +
                   plan.destination.name() + " from " + plan.tag_digest + " to " + plan.digest +
                   ": tags are never moved; build and pin a new tag in " + request.source);
  }
  if (!request.git) {
    return std::nullopt;
  }
  return as_failure(guarded<std::monostate>([&]() -> Outcome<std::monostate> {
    prepared.commit = promote::check_git(prepared.branches, plan.revision);
    return std::monostate{};
  }));
}

Outcome<CopiedPromotion> copy_promotion(const PreparedPromotion& prepared,
                                        registry::Sessions& sessions, std::ostream& progress,
                                        int parallel) {
  return guarded<CopiedPromotion>([&]() -> Outcome<CopiedPromotion> {
    const auto& plan = prepared.plan;
    auto& destination = sessions.get(plan.destination.registry);
    promote::execute(plan, sessions.get(plan.source.registry), destination, progress, parallel);
    promote::verify(plan, destination);
    return CopiedPromotion{destination.stats()};
  });
}

Outcome<RecordedPromotion> record_promotion(const Store& store, const PromoteRequest& request,
                                            const PreparedPromotion& prepared) {
  const auto& plan = prepared.plan;
  RecordedPromotion recorded;
  Pin& pin = recorded.pin;
  pin.environment.value = request.destination;
  pin.repository.value = prepared.destination_env->image_repository.value;
  pin.tag.value = plan.destination.tag;
  pin.digest = Located<std::string>{plan.digest, {}};
  pin.source_from = Located<std::string>{request.source, {}};
  const auto& source_revision = prepared.source_pin.source_revision;
  const std::string revision = !plan.revision.empty() ? plan.revision
                               : source_revision      ? source_revision->value
                                                      : "";
  if (!revision.empty()) {
    pin.source_revision = Located<std::string>{revision, {}};
  }
  pin.pinned_at = Located<std::string>{now_utc(), {}};
  HistoryEntry entry = history_entry(pin, "promote", pin.pinned_at->value);
  const auto& previous = prepared.previous;
  entry.previous = previous && previous->digest ? previous->digest->value : "";
  recorded.pin_file = store.pin_file(request.destination);
  recorded.history_file = store.history_file(request.destination);
  return guarded<RecordedPromotion>([&]() -> Outcome<RecordedPromotion> {
    store.record(pin, entry);
    return std::move(recorded);
  });
}

std::optional<Failure> fast_forward(const PreparedPromotion& prepared) {
  return as_failure(guarded<std::monostate>([&]() -> Outcome<std::monostate> {
    promote::fast_forward(prepared.branches, prepared.commit);
    return std::monostate{};
  }));
}

}  // namespace commentsctl::release
