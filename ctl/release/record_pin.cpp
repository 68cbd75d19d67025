// Checking the values of a new pin and recording it.
#include "release/record_pin.hpp"

#include "service/config/values.hpp"

namespace commentsctl::release {

Outcome<RecordedPin> record_pin(const Store& store, const spec::Spec& spec,
                                const PinRequest& request) {
  const auto& env = *spec.find(request.environment);
  const std::string repository =
      request.repository.empty() ? env.image_repository.value : request.repository;
  if (repository != env.image_repository.value) {
    return invalid("repository " + repository + " is not " + request.environment +
                   "'s repository in " + spec.file + " (" + env.image_repository.value + ")");
  }
  if (!comments::config::image_tag().matches(request.tag) || request.tag == "latest") {
    return invalid("tag '" + request.tag +
                   "' is not an immutable image tag (letters, digits, . _ -; never latest)");
  }
  if (!request.digest.empty() && !comments::config::digest().matches(request.digest)) {
    return invalid("digest '" + request.digest + "' is not sha256:<64 lowercase hex>");
  }
  RecordedPin recorded;
  Pin& pin = recorded.pin;
  pin.environment.value = request.environment;
  pin.repository.value = repository;
  pin.tag.value = request.tag;
  if (!request.digest.empty()) {
    pin.digest = Located<std::string>{request.digest, {}};
  }
  pin.source_from = Located<std::string>{request.from, {}};
  if (!request.revision.empty()) {
    pin.source_revision = Located<std::string>{request.revision, {}};
  }
  pin.pinned_at = Located<std::string>{now_utc(), {}};
  schema::Diagnostics diags;
  check_pin(spec, env, pin, diags);
  if (!diags.empty()) {
    return invalid(std::move(diags));
  }
  recorded.pin_file = store.pin_file(request.environment);
  return guarded<RecordedPin>([&]() -> Outcome<RecordedPin> {
    store.record(pin, history_entry(pin, "pin", pin.pinned_at->value));
    return std::move(recorded);
  });
}

}  // namespace commentsctl::release
