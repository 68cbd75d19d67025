// CORS decisions for the API routes: preflights answered from the router's method table,
// answers decorated so that an allowed origin's script may read them (errors included).
#include "service/cors/cors.hpp"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include "service/api/responses.hpp"
#include "service/api/router.hpp"

namespace comments::cors {
namespace {

namespace http = boost::beast::http;

// The request headers a page's script may send: Content-Type (a JSON POST is not a "simple"
// request) and X-Request-Id for tracing. Anything else, such as Authorization, is refused.
constexpr std::array<std::string_view, 2> kAllowedHeaders{"content-type", "x-request-id"};
constexpr std::string_view kAllowedHeadersValue = "Content-Type, X-Request-Id";
// What the widget reads: the next page, how long to wait after 429/503, the id to report.
constexpr std::string_view kExposed = "Link, Retry-After, X-Request-Id, ETag";
// Browsers cache a granted preflight this long (Chromium caps it at 2 h).
constexpr std::string_view kMaxAge = "600";

bool is_api(const api::Request& req) { return req.target().starts_with("/api/"); }

// The first requested header that is not allowed, or empty when all are. (Browsers compare the
// granted Access-Control-Allow-Headers with what they send, whatever this decides.)
std::string_view refused_header(std::string_view list) {
  const http::token_list names(list);
  for (const auto name : names) {
    const bool known =
        std::any_of(kAllowedHeaders.begin(), kAllowedHeaders.end(),
                    [&](std::string_view h) { return boost::beast::iequals(h, name); });
    if (!known) {
      return name;
    }
  }
  return {};
}

bool method_listed(std::string_view methods, std::string_view method) {
  const http::token_list listed(methods);
  return std::any_of(listed.begin(), listed.end(), [&](std::string_view m) { return m == method; });
}

// Vary lists every request header the answer depends on; others may have named some already.
void vary_on_origin(api::Response& res) {
  const auto existing = res[http::field::vary];
  if (existing.empty()) {
    res.set(http::field::vary, "Origin");
  } else {
    res.set(http::field::vary, std::string(existing) + ", Origin");
  }
}

api::Response refuse(std::string message) {
  return api::error_response(http::status::forbidden, "CORS preflight refused: " + message);
}

}  // namespace

Policy::Policy(std::vector<std::string> origins) : origins_(std::move(origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

std::string_view Policy::allowed(std::string_view origin) const {
  if (any_) {
    return "*";
  }
  for (const auto& o : origins_) {
    if (o == origin) {
      return o;
    }
  }
  return {};
}

std::optional<api::Response> Policy::preflight(const api::Request& req) const {
  if (req.method() != http::verb::options || !is_api(req) || req.count(http::field::origin) == 0 ||
      req.count(http::field::access_control_request_method) == 0) {
    return std::nullopt;
  }
  const auto route = api::route_of(req.target());
  if (route == api::Route::unmatched) {
    return std::nullopt;  // the router's 404
  }
  const auto origin = req[http::field::origin];
  const auto allow = allowed(origin);
  if (allow.empty()) {
    auto res = refuse("origin " + std::string(origin) +
                      " is not allowed to call this API (the service's --cors-origins)");
    vary_on_origin(res);
    return res;
  }
  const auto methods = api::allowed_methods(route);
  const auto method =
      req[http::field::access_control_request_method];  // OWS stripped by the parser
  if (!method_listed(methods, method)) {
    return refuse("method " + std::string(method) +
                  " not allowed here; allowed: " + std::string(methods));
  }
  if (const auto header = refused_header(req[http::field::access_control_request_headers]);
      !header.empty()) {
    return refuse("request header " + std::string(header) +
                  " not allowed; allowed: " + std::string(kAllowedHeadersValue));
  }
  api::Response res{http::status::no_content, 11};
  res.set(http::field::access_control_allow_origin, allow);
  res.set(http::field::access_control_allow_methods, methods);
  res.set(http::field::access_control_allow_headers, kAllowedHeadersValue);
  res.set(http::field::access_control_max_age, kMaxAge);
  if (!any_) {
    vary_on_origin(res);
  }
  return res;
}

void Policy::decorate(const api::Request& req, api::Response& res) const {
  if (origins_.empty() || !is_api(req) || req.method() == http::verb::options) {
    return;
  }
  if (!any_) {
    // The answer depends on the Origin header: shared caches must keep one per origin.
    vary_on_origin(res);
  }
  if (req.count(http::field::origin) == 0) {
    return;
  }
  const auto allow = allowed(req[http::field::origin]);
  if (allow.empty()) {
    return;
  }
  res.set(http::field::access_control_allow_origin, allow);
  res.set(http::field::access_control_expose_headers, kExposed);
}

}  // namespace comments::cors
