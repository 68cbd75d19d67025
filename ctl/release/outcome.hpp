// What a release operation hands back to its command: the typed result it asked for, or the
// Failure that stopped it, which the command prints and turns into an exit code.
#pragma once

#include <string>
#include <variant>

#include "promote/git.hpp"
#include "schema/diagnostics.hpp"

namespace commentsctl::release {

struct Failure {
  enum class Kind {
    Invalid,  // the spec, a pin, the registry or the cluster said no: exit 1
    Usage,    // the command line asked for something impossible: exit 2
  };
  Kind kind = Kind::Invalid;
  std::string message;              // one line, printed after "commentsctl COMMAND: "
  schema::Diagnostics diagnostics;  // file:line:column problems, printed as they are
};

template <typename T>
using Outcome = std::variant<T, Failure>;

inline Failure invalid(std::string message) {
  return {Failure::Kind::Invalid, std::move(message), {}};
}

inline Failure usage(std::string message) { return {Failure::Kind::Usage, std::move(message), {}}; }

inline Failure invalid(schema::Diagnostics diagnostics) {
  return {Failure::Kind::Invalid, "", std::move(diagnostics)};
}

// Runs `step` (returning an Outcome<T>), turning what the registry, the copy, git or the file
// system throw into a Failure with the message users have always seen ("git: " before git's).
template <typename T, typename Step>
Outcome<T> guarded(Step&& step) {
  try {
    return step();
  } catch (const promote::GitError& e) {
    return invalid(std::string("git: ") + e.what());
  } catch (const std::exception& e) {
    return invalid(e.what());
  }
}

}  // namespace commentsctl::release
