// Resolving a pin's tag to a digest when the pin has none.
#include "release/image.hpp"

#include <stdexcept>

namespace commentsctl::release {

registry::Reference resolve_pin(registry::Sessions& sessions, const Pin& pin) {
  std::string error;
  auto ref = registry::parse_reference(pin.repository.value + ":" + pin.tag.value, error);
  if (!ref) {
    throw std::runtime_error(pin.file + ": " + error);
  }
  if (pin.digest) {
    ref->digest = pin.digest->value;
    return *ref;
  }
  auto found = sessions.get(ref->registry).head_manifest(ref->repository, ref->tag);
  if (!found) {
    throw registry::RegistryError(registry::RegistryError::Kind::NotFound,
                                  ref->str() + " (" + pin.file + ") is not in the registry");
  }
  ref->digest = found->digest;
  return *ref;
}

}  // namespace commentsctl::release
