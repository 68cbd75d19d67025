// Verification of an environment: the smoke check against the URL where it runs, and on success
// its pinned digest recorded as verified, the one thing promote takes from it.
#pragma once

#include <ostream>
#include <string>

#include "registry/reference.hpp"
#include "registry/sessions.hpp"
#include "release/outcome.hpp"
#include "release/store.hpp"
#include "smoke/smoke.hpp"

namespace commentsctl::release {

struct VerifyTarget {
  Pin pin;
  registry::Reference image;  // with the digest the pin names or its tag resolves to
};

struct Verified {
  std::string digest;
  std::string pin_file;
};

// ENV's pin, checked, and the image it names.
Outcome<VerifyTarget> prepare_verify(const Store& store, const spec::Spec& spec,
                                     const spec::Environment& env, registry::Sessions& sessions);

// Runs the smoke check (steps on `out`), expecting the target's revision and digest at `url`;
// records the verification in the pin and the history.
Outcome<Verified> verify(const Store& store, VerifyTarget target, const std::string& url,
                         smoke::SmokeOptions options, std::ostream& out);

}  // namespace commentsctl::release
