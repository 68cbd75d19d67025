// The rules of talking to a registry, as plain functions the session applies and tests call
// directly: where plain HTTP is allowed, which failures are retried and after how long, and where
// a redirect leads and whether credentials follow it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.hpp"

namespace commentsctl::registry::rules {

// --- Scheme -------------------------------------------------------------------------------------

// Plain HTTP only to loopback (localhost, 127.0.0.0/8, ::1), or anywhere with --insecure.
bool plain_http_allowed(const std::string& host, bool insecure);

// Throws RegistryError (Protocol) naming `what` when `to` is plain HTTP where it is not allowed.
void require_allowed_scheme(const http::Endpoint& to, bool insecure, const std::string& what);

// The endpoints to try for a registry "host[:port]", in order: HTTPS, then plain HTTP where it is
// allowed. The second is only tried when the first fails the TLS handshake (see
// falls_back_to_plain); a refused certificate is never a reason to downgrade.
std::vector<http::Endpoint> registry_endpoints(const std::string& registry, bool insecure);
bool falls_back_to_plain(const http::NetworkError& e);

// --- Retry --------------------------------------------------------------------------------------

struct RetryPolicy {
  int attempts = 5;                              // per request, including the first
  std::chrono::milliseconds backoff{500};        // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{30000};  // also caps Retry-After
};

// 429 and 5xx may succeed later; every other status is an answer.
bool retryable_status(unsigned status);
// Refused, reset, timed out, or a TLS failure other than a refused certificate.
bool retryable(const http::NetworkError& e);

// A Retry-After value: delta-seconds, or an HTTP-date (IMF-fixdate) counted from `now`; nullopt
// when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// How long to wait after failed attempt number `attempt` (1 is the first) before the next one;
// nullopt when it was the last allowed. The registry's Retry-After wins over the backoff; both
// are capped at max_backoff.
std::optional<std::chrono::milliseconds> retry_delay(
    const RetryPolicy& policy, int attempt,
    std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

// --- Redirects ----------------------------------------------------------------------------------

// Where a request goes: the connection endpoint, the Host header and the request target.
struct Location {
  http::Endpoint endpoint;
  std::string host;      // "host[:port]" as written in the URL
  std::string target;    // path and query
  bool registry = true;  // the registry's own origin: only there is Authorization sent

  [[nodiscard]] std::string url() const;
};

// `target` on the registry itself.
Location at_registry(const http::Endpoint& registry, const std::string& registry_name,
                     const std::string& target);

constexpr int max_redirects = 5;
bool is_redirect(unsigned status);

// Where the Location header `location` of a response to a request at `from` leads (relative
// references resolve against `from`). Credentials follow only to the registry's own origin
// (`registry`: same scheme, host and port). Throws RegistryError (Protocol) for a location that
// is not an http(s) URL, or plain HTTP where it is not allowed.
Location follow_redirect(const Location& from, std::string_view location, const Location& registry,
                         bool insecure);

}  // namespace commentsctl::registry::rules
