// The image a pin names, as the registry knows it: repository, tag and digest.
#pragma once

#include "registry/reference.hpp"
#include "registry/sessions.hpp"
#include "release/pin.hpp"

namespace commentsctl::release {

// The pin's image with its digest: the pin's own, else the registry's answer for its tag.
// Throws registry::RegistryError, or std::runtime_error for an unusable reference.
registry::Reference resolve_pin(registry::Sessions& sessions, const Pin& pin);

}  // namespace commentsctl::release
