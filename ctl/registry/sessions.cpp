// A session per registry name, created on first use.
#include "registry/sessions.hpp"

namespace commentsctl::registry {

Session& Sessions::get(const std::string& registry) {
  auto& [shared, session] = sessions_[registry];
  if (!session) {
    shared = std::make_unique<Registry>(registry, options_);
    session = std::make_unique<Session>(shared->session());
  }
  return *session;
}

}  // namespace commentsctl::registry
