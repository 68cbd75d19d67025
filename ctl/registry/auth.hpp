// Registry authentication rules, as plain functions: reading a 401's WWW-Authenticate challenge,
// deciding what answers it (Basic, a Bearer token, or a precise refusal), token scopes, the token
// request and its answer, and the cache that keeps tokens for a run.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.hpp"
#include "registry/credentials.hpp"

namespace commentsctl::registry {

struct Challenge {
  std::string scheme;                         // "basic" or "bearer", lower case
  std::map<std::string, std::string> params;  // realm, service, scope, error ... (lower-case keys)
};

// The first challenge of a WWW-Authenticate value (RFC 7235 auth-params, quoted or token
// values); nullopt when it cannot be read.
std::optional<Challenge> parse_challenge(std::string_view header);

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

// --- Scopes -------------------------------------------------------------------------------------
// A scope is "type:name:action[,action]", several separated by spaces (Docker token spec).

std::string pull_scope(const std::string& repository);
std::string push_scope(const std::string& repository);
// `a` and `b` together, each resource once with the union of its actions, in a stable order.
std::string merge_scopes(std::string_view a, std::string_view b);
// Whether a token granted for `granted` serves a request that needs `wanted`.
bool covers(std::string_view granted, std::string_view wanted);

// --- Answering a challenge ----------------------------------------------------------------------

// What the request that got the 401 carried.
enum class Sent { Nothing, Basic, CachedToken, FreshToken };

// How the next attempt authenticates.
struct AuthScheme {
  enum class Kind { Anonymous, Basic, Bearer } kind = Kind::Anonymous;
  std::string realm;    // Bearer: the token service URL
  std::string service;  // Bearer: its service parameter (may be empty)
  std::string scope;    // Bearer: what the registry said it needs (may be empty)
};

// The scheme that answers the 401 with WWW-Authenticate `header` to a request for `scope` that
// carried `sent`, with `credentials` being what the lookup found for `registry`. A cached token
// that is refused is fetched afresh once; anything else refused is final. Throws RegistryError:
// Protocol for an unreadable challenge or a Bearer challenge without a realm; Auth for refused
// credentials or token, for Basic without credentials (naming where they were looked for and how
// to provide them), and for an unsupported scheme.
AuthScheme answer_challenge(std::string_view header, Sent sent, const CredentialSearch& credentials,
                            const std::string& registry, const std::string& scope);

// "Basic base64(user:password)".
std::string basic_authorization(const Credentials& credentials);

// --- Tokens -------------------------------------------------------------------------------------

// The request for a Bearer token for `scope` (merged with the challenge's own scope): an OAuth2
// refresh-token POST when the credentials carry an identity token, else a GET with Basic
// credentials (none: anonymous). Throws RegistryError (Protocol) when the realm is not an http(s)
// URL, or it is plain HTTP where that is not allowed.
struct TokenRequest {
  http::Endpoint endpoint;
  http::StringRequest request;
};
TokenRequest token_request(const AuthScheme& bearer, const std::string& scope,
                           const std::optional<Credentials>& credentials, bool insecure);

struct Token {
  std::string value;
  std::chrono::seconds expires_in{60};  // the token spec's default
};
// A token service's 200 body: {"token" or "access_token", "expires_in"}. Throws RegistryError
// (Protocol) when there is no token string.
Token parse_token_response(std::string_view body, const std::string& realm);

// Tokens of a run, shared by every session, keyed by realm, service and scope; a token granted
// for a wider scope serves a narrower one. The lock is held only to look up or store, never while
// a token is fetched.
class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  std::optional<std::string> find(const AuthScheme& bearer, const std::string& scope,
                                  Clock::time_point now) const;
  void store(const AuthScheme& bearer, const std::string& scope, const Token& token,
             Clock::time_point now);
  // Forgets the token `value` (refused by the registry).
  void forget(const std::string& value);

 private:
  struct Entry {
    std::string realm;
    std::string service;
    std::string scope;
    std::string token;
    Clock::time_point expires;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace commentsctl::registry
