// CORS for the public API: which other sites' pages may call it (--cors-origins), the answers to
// their preflights, and the headers that let their scripts read the answers (the Fetch
// standard's CORS protocol). With no origins configured only same-origin pages may call.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/api/types.hpp"

namespace comments::cors {

class Policy {
 public:
  // origins as the setting converts them (config::origins()); empty: same-origin only.
  explicit Policy(std::vector<std::string> origins);

  // The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) of
  // an API route: 204 granting it, or 403 saying why not. nullopt for any other request.
  std::optional<api::Response> preflight(const api::Request& req) const;

  // Adds the headers that let an allowed origin's script read this answer of an API route.
  void decorate(const api::Request& req, api::Response& res) const;

 private:
  // The value of Access-Control-Allow-Origin for this Origin, or empty when not allowed.
  std::string_view allowed(std::string_view origin) const;

  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace comments::cors
