// The sessions of one run: one registry (and a session with it) per registry name, so that a
// promotion inside one registry mounts blobs, and tokens and credentials are fetched once.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "registry/session.hpp"

namespace commentsctl::registry {

class Sessions {
 public:
  explicit Sessions(Options options) : options_(std::move(options)) {}
  Session& get(const std::string& registry);

 private:
  Options options_;
  std::map<std::string, std::pair<std::unique_ptr<Registry>, std::unique_ptr<Session>>> sessions_;
};

}  // namespace commentsctl::registry
