// The smoke check of a pinned release and its record.
#include "release/verify.hpp"

#include "release/image.hpp"

namespace commentsctl::release {

Outcome<VerifyTarget> prepare_verify(const Store& store, const spec::Spec& spec,
                                     const spec::Environment& env, registry::Sessions& sessions) {
  schema::Diagnostics diags;
  auto pin = store.load(spec, env, diags);
  if (!pin) {
    return invalid(std::move(diags));
  }
  return guarded<VerifyTarget>([&]() -> Outcome<VerifyTarget> {
    return VerifyTarget{*pin, resolve_pin(sessions, *pin)};
  });
}

Outcome<Verified> verify(const Store& store, VerifyTarget target, const std::string& url,
                         smoke::SmokeOptions options, std::ostream& out) {
  Pin& pin = target.pin;
  const std::string& digest = target.image.digest;
  // The URL must run the pinned build: its revision, and its digest when the manifests pass it in
  // (always when the pin names one, since rendering then passes IMAGE_DIGEST).
  if (pin.source_revision) {
    options.expect_revision = pin.source_revision->value;
  }
  options.expect_digest = digest;
  options.require_digest = pin.digest.has_value();
  if (!smoke::run_smoke(url, options, out)) {
    return invalid(pin.environment.value + " failed the smoke check; " + digest +
                   " is not verified");
  }
  const std::string now = now_utc();
  pin.verified_digest = Located<std::string>{digest, {}};
  pin.verified_url = Located<std::string>{url, {}};
  pin.verified_at = Located<std::string>{now, {}};
  HistoryEntry entry = history_entry(pin, "verify", now);
  entry.digest = digest;
  entry.from = url;
  return guarded<Verified>([&]() -> Outcome<Verified> {
    store.record(pin, entry);
    return Verified{digest, pin.file};
  });
}

}  // namespace commentsctl::release
