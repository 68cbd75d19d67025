// The request and response types the API works on, and the route templates it serves.
#pragma once

#include <array>
#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <string_view>

namespace comments::api {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Routes by template; metrics and logs use the template, never the raw path.
enum class Route : std::size_t {
  comment_new,
  comment_list,
  comment_count,
  healthz,
  readyz,
  version,
  metrics,
  asset,
  admin,
  unmatched
};

inline constexpr std::array<std::string_view, 10> kRouteTemplates{"/api/comment/new",
                                                                  "/api/comment/list/{content_id}",
                                                                  "/api/comment/count",
                                                                  "/healthz",
                                                                  "/readyz",
                                                                  "/version",
                                                                  "/metrics",
                                                                  "/{asset}",
                                                                  "/api/admin/{path}",
                                                                  "unmatched"};

inline std::string_view route_template(Route r) {
  return kRouteTemplates[static_cast<std::size_t>(r)];
}

// Whether the service should receive traffic: cleared for good when shutdown begins.
class Readiness {
 public:
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  void begin_draining() { draining_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> draining_{false};
};

// A handled request: the response and the route it matched. (Its implicit move assignment may
// throw where Beast's message does; nothing needs it to be noexcept.)
struct Handled {  // NOLINT(bugprone-exception-escape)
  Response response;
  Route route = Route::unmatched;
};

}  // namespace comments::api
