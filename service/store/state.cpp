// The names of comment states, as the API, the databases and the audit log write them.
#include <array>
#include <utility>

#include "service/store/backend.hpp"

namespace comments::store {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 4> kNames{{{State::visible, "visible"},
                                                                    {State::hidden, "hidden"},
                                                                    {State::pending, "pending"},
                                                                    {State::deleted, "deleted"}}};

}  // namespace

std::string_view to_string(State s) {
  for (const auto& [state, name] : kNames) {
    if (state == s) {
      return name;
    }
  }
  return "visible";
}

std::optional<State> state_from_string(std::string_view s) {
  for (const auto& [state, name] : kNames) {
    if (name == s) {
      return state;
    }
  }
  return std::nullopt;
}

}  // namespace comments::store
