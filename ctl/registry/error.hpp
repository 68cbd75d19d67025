// The one error type of registry access, with the kind of failure that decides what a caller
// (and the retry rule) does with it.
#pragma once

#include <stdexcept>
#include <string>

namespace commentsctl::registry {

class RegistryError : public std::runtime_error {
 public:
  enum class Kind {
    Network,         // unreachable, reset, timeout, TLS failure
    Auth,            // no or refused credentials
    NotFound,        // the manifest or blob does not exist
    Unavailable,     // 429 or 5xx after every attempt
    Refused,         // the registry answered with another error status
    Protocol,        // a reply that does not follow the Distribution API
    DigestMismatch,  // bytes whose sha256 is not what they claim
  };
  RegistryError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace commentsctl::registry
