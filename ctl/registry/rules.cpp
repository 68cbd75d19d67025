// The scheme, retry and redirect rules: no I/O, no state.
#include "registry/rules.hpp"

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

#include "registry/error.hpp"
#include "registry/reference.hpp"

namespace commentsctl::registry::rules {

using Kind = RegistryError::Kind;
using std::chrono::milliseconds;

bool plain_http_allowed(const std::string& host, bool insecure) {
  return insecure || http::is_loopback(host);
}

void require_allowed_scheme(const http::Endpoint& to, bool insecure, const std::string& what) {
  if (!to.tls && !plain_http_allowed(to.host, insecure)) {
    throw RegistryError(Kind::Protocol, what + " is plain HTTP (" + to.origin() +
                                            "), allowed only to loopback or with --insecure");
  }
}

std::vector<http::Endpoint> registry_endpoints(const std::string& registry, bool insecure) {
  std::string host;
  std::string port;
  split_host_port(registry, host, port);
  std::vector<http::Endpoint> out{{host, port.empty() ? "443" : port, true}};
  if (plain_http_allowed(host, insecure)) {
    out.push_back({host, port.empty() ? "80" : port, false});
  }
  return out;
}

bool falls_back_to_plain(const http::NetworkError& e) {
  return e.kind() == http::NetworkError::Kind::Tls;
}

bool retryable_status(unsigned status) { return status == 429 || (status >= 500 && status < 600); }

bool retryable(const http::NetworkError& e) {
  using K = http::NetworkError::Kind;
  return e.kind() == K::Connect || e.kind() == K::Io || e.kind() == K::Timeout ||
         e.kind() == K::Tls;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) {
      return milliseconds::max();  // capped by the policy anyway
    }
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
  std::string zone;
  in >> zone;
  if (in.fail() || zone != "GMT") {
    return std::nullopt;
  }
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) {
    return milliseconds(0);
  }
  return std::chrono::duration_cast<milliseconds>(when - now);
}

std::optional<milliseconds> retry_delay(const RetryPolicy& policy, int attempt,
                                        std::optional<milliseconds> retry_after) {
  if (attempt >= policy.attempts) {
    return std::nullopt;
  }
  milliseconds delay =
      retry_after ? *retry_after : policy.backoff * (1 << std::min(attempt - 1, 16));
  return std::min(delay, policy.max_backoff);
}

std::string Location::url() const { return endpoint.origin() + target; }

Location at_registry(const http::Endpoint& registry, const std::string& registry_name,
                     const std::string& target) {
  return Location{registry, registry_name, target, true};
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

namespace {

bool same_origin(const http::Endpoint& a, const http::Endpoint& b) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  return a.tls == b.tls && a.port == b.port && lower(a.host) == lower(b.host);
}

}  // namespace

Location follow_redirect(const Location& from, std::string_view location, const Location& registry,
                         bool insecure) {
  // Resolved against the URL as the previous request was written (its Host, not a default port
  // added), which is what a signed storage URL was signed for.
  const std::string written =
      std::string(from.endpoint.tls ? "https://" : "http://") + from.host + from.target;
  auto base = boost::urls::parse_absolute_uri(written);
  auto ref = boost::urls::parse_uri_reference(location);
  boost::urls::url next;
  if (location.empty() || !base || !ref || !boost::urls::resolve(*base, *ref, next) ||
      (next.scheme() != "https" && next.scheme() != "http") || next.host().empty()) {
    throw RegistryError(Kind::Protocol, registry.host + " redirects to \"" + std::string(location) +
                                            "\", not an http(s) URL");
  }
  const bool tls = next.scheme() == "https";
  Location out;
  out.endpoint = http::Endpoint{
      next.host_address(), next.has_port() ? std::string(next.port()) : (tls ? "443" : "80"), tls};
  out.host = next.encoded_host_and_port();
  out.target = next.encoded_target();
  if (out.target.empty()) {
    out.target = "/";
  }
  out.registry = same_origin(out.endpoint, registry.endpoint);
  require_allowed_scheme(out.endpoint, insecure,
                         registry.host + "'s redirect to " + std::string(location));
  return out;
}

}  // namespace commentsctl::registry::rules
