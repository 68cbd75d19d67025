// Registry authentication: the challenge in a 401's WWW-Authenticate header, and where
// credentials come from (environment variables, then the Docker client's config.json).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace commentsctl::registry {

struct Challenge {
  std::string scheme;                         // "basic" or "bearer", lower case
  std::map<std::string, std::string> params;  // realm, service, scope, error ... (lower-case keys)
};

// The first challenge of a WWW-Authenticate value (RFC 7235 auth-params, quoted or token
// values); nullopt when it cannot be read.
std::optional<Challenge> parse_challenge(std::string_view header);

struct Credentials {
  std::string user;
  std::string password;
  std::string origin;  // where they came from, for messages: "COMMENTSCTL_REGISTRY_USER", a file
};

// Credentials for `registry` ("host:port"): COMMENTSCTL_REGISTRY_USER/_PASSWORD when both are
// set, else `auths.<registry>.auth` (base64 "user:password") in $DOCKER_CONFIG/config.json or
// ~/.docker/config.json. Throws std::runtime_error for an unreadable or malformed config file.
std::optional<Credentials> find_credentials(const std::string& registry);

// Same, reading only the given config file (tests).
std::optional<Credentials> credentials_from_docker_config(const std::string& path,
                                                          const std::string& registry);

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace commentsctl::registry
