// Challenges, scopes, the token exchange and the token cache.
#include "registry/auth.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <cctype>
#include <set>
#include <sstream>

#include "registry/error.hpp"
#include "registry/rules.hpp"

namespace commentsctl::registry {

using Kind = RegistryError::Kind;

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace

// RFC 7235 has no parser in Boost (Beast's param_list reads ';'-separated lists), so this reads
// `scheme key=value, key="quoted \" value"` itself, stopping at the next challenge.
std::optional<Challenge> parse_challenge(std::string_view h) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) {
      ++i;
    }
  };
  auto token = [&] {
    const std::size_t start = i;
    while (i < h.size() && is_token_char(h[i])) {
      ++i;
    }
    return std::string(h.substr(start, i - start));
  };
  skip_space();
  Challenge challenge;
  challenge.scheme = lower(token());
  if (challenge.scheme.empty()) {
    return std::nullopt;
  }
  while (true) {
    skip_space();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_space();
    }
    if (i >= h.size()) {
      break;
    }
    const std::size_t key_start = i;
    std::string key = lower(token());
    skip_space();
    if (key.empty() || i >= h.size() || h[i] != '=') {
      // Another scheme begins (or garbage): the first challenge ends here.
      if (key.empty() && key_start == i) {
        return std::nullopt;
      }
      break;
    }
    ++i;
    skip_space();
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      bool closed = false;
      while (i < h.size()) {
        char c = h[i++];
        if (c == '\\' && i < h.size()) {
          value += h[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) {
        return std::nullopt;
      }
    } else {
      value = token();
    }
    challenge.params[key] = value;
  }
  return challenge;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string in(text);
  while (!in.empty() && std::isspace(static_cast<unsigned char>(in.back())) != 0) {
    in.pop_back();
  }
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(3 * in.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  auto size = static_cast<std::size_t>(n);
  for (std::size_t pad = in.size(); pad > 0 && in[pad - 1] == '='; --pad) {
    --size;
  }
  out.resize(size);
  return out;
}

// --- Scopes ---

std::string pull_scope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}

std::string push_scope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

namespace {

// "repository:a/b" → {"pull", "push"}, for each scope in a space-separated list.
using ScopeMap = std::map<std::string, std::set<std::string>>;

void add_scopes(ScopeMap& out, std::string_view text) {
  std::istringstream in{std::string(text)};
  for (std::string scope; in >> scope;) {
    const auto colon = scope.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      out[scope];
      continue;
    }
    auto& actions = out[scope.substr(0, colon)];
    std::istringstream list(scope.substr(colon + 1));
    for (std::string action; std::getline(list, action, ',');) {
      if (!action.empty()) {
        actions.insert(action);
      }
    }
  }
}

std::string join_scopes(const ScopeMap& scopes) {
  std::string out;
  for (const auto& [resource, actions] : scopes) {
    out += (out.empty() ? "" : " ") + resource;
    std::string list;
    for (const auto& action : actions) {
      list += (list.empty() ? "" : ",") + action;
    }
    if (!list.empty()) {
      out += ":" + list;
    }
  }
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string s; in >> s;) {
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::string merge_scopes(std::string_view a, std::string_view b) {
  ScopeMap scopes;
  add_scopes(scopes, a);
  add_scopes(scopes, b);
  return join_scopes(scopes);
}

bool covers(std::string_view granted, std::string_view wanted) {
  ScopeMap have;
  ScopeMap need;
  add_scopes(have, granted);
  add_scopes(need, wanted);
  for (const auto& [resource, actions] : need) {
    auto it = have.find(resource);
    if (it == have.end()) {
      return false;
    }
    for (const auto& action : actions) {
      if (it->second.count(action) == 0 && it->second.count("*") == 0) {
        return false;
      }
    }
  }
  return true;
}

// --- Answering a challenge ---

AuthScheme answer_challenge(std::string_view header, Sent sent, const CredentialSearch& credentials,
                            const std::string& registry, const std::string& scope) {
  const auto challenge = parse_challenge(header);
  if (!challenge) {
    throw RegistryError(Kind::Protocol, registry +
                                            " answered 401 without a readable WWW-Authenticate "
                                            "challenge: \"" +
                                            std::string(header) + "\"");
  }
  auto param = [&](const char* name) {
    auto it = challenge->params.find(name);
    return it == challenge->params.end() ? std::string() : it->second;
  };
  if (challenge->scheme == "basic") {
    if (!credentials.found) {
      throw RegistryError(Kind::Auth, registry +
                                          " requires credentials (Basic) and none were found; " +
                                          credentials_help(registry, credentials));
    }
    if (sent == Sent::Basic) {
      throw RegistryError(Kind::Auth, registry + " refused the credentials from " +
                                          credentials.found->origin + " for " + scope);
    }
    if (credentials.found->user.empty()) {
      throw RegistryError(Kind::Auth, registry + " asks for a user and password (Basic), but " +
                                          credentials.found->origin +
                                          " holds only an identity token");
    }
    return AuthScheme{AuthScheme::Kind::Basic, "", "", ""};
  }
  if (challenge->scheme == "bearer") {
    AuthScheme bearer{AuthScheme::Kind::Bearer, param("realm"), param("service"), param("scope")};
    if (bearer.realm.empty()) {
      throw RegistryError(Kind::Protocol, registry + ": Bearer challenge without a realm");
    }
    if (sent == Sent::FreshToken) {
      const std::string error = param("error");
      const std::string who = credentials.found
                                  ? "the credentials from " + credentials.found->origin
                                  : "no credentials (anonymous)";
      throw RegistryError(
          Kind::Auth,
          registry + " refused the token for " + scope + " obtained with " + who +
              (error.empty() ? "" : " (" + error + ")") +
              (credentials.found ? "" : "; " + credentials_help(registry, credentials)));
    }
    return bearer;
  }
  throw RegistryError(
      Kind::Auth, registry + " asks for unsupported authentication \"" + challenge->scheme + "\"");
}

std::string basic_authorization(const Credentials& credentials) {
  return "Basic " + base64_encode(credentials.user + ":" + credentials.password);
}

// --- Tokens ---

TokenRequest token_request(const AuthScheme& bearer, const std::string& scope,
                           const std::optional<Credentials>& credentials, bool insecure) {
  auto parsed = boost::urls::parse_absolute_uri(bearer.realm);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
      parsed->host().empty()) {
    throw RegistryError(Kind::Protocol,
                        "Bearer realm \"" + bearer.realm + "\" is not an http(s) URL");
  }
  boost::urls::url url = *parsed;
  const bool tls = url.scheme() == "https";
  TokenRequest out;
  out.endpoint = http::Endpoint{
      url.host_address(), url.has_port() ? std::string(url.port()) : (tls ? "443" : "80"), tls};
  rules::require_allowed_scheme(out.endpoint, insecure, "the token service " + bearer.realm);
  const auto scopes = split_words(merge_scopes(scope, bearer.scope));
  const bool refresh = credentials && !credentials->identity_token.empty();
  if (refresh) {
    // OAuth2 (Docker token spec): the identity token is a refresh token.
    boost::urls::url form;
    auto params = form.params();
    params.append({"grant_type", "refresh_token"});
    params.append({"refresh_token", credentials->identity_token});
    params.append({"client_id", "commentsctl"});
    if (!bearer.service.empty()) {
      params.append({"service", bearer.service});
    }
    for (const auto& s : scopes) {
      params.append({"scope", s});
    }
    out.request = http::StringRequest{http::bhttp::verb::post, url.encoded_target(), 11};
    out.request.set(http::bhttp::field::content_type, "application/x-www-form-urlencoded");
    out.request.body() = std::string(form.encoded_query());
  } else {
    if (!bearer.service.empty()) {
      url.params().append({"service", bearer.service});
    }
    for (const auto& s : scopes) {
      url.params().append({"scope", s});
    }
    if (credentials && !credentials->user.empty()) {
      url.params().append({"account", credentials->user});
    }
    out.request = http::StringRequest{http::bhttp::verb::get, url.encoded_target(), 11};
    if (credentials && !credentials->user.empty()) {
      out.request.set(http::bhttp::field::authorization, basic_authorization(*credentials));
    }
  }
  out.request.set(http::bhttp::field::host, url.encoded_host_and_port());
  return out;
}

Token parse_token_response(std::string_view body, const std::string& realm) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  Token token;
  for (const char* key : {"token", "access_token"}) {
    const auto* v = obj ? obj->if_contains(key) : nullptr;
    if (v != nullptr && v->is_string() && !v->as_string().empty()) {
      token.value = std::string(v->as_string());
      break;
    }
  }
  if (token.value.empty()) {
    throw RegistryError(Kind::Protocol,
                        "token service " + realm + " answered without a \"token\" string");
  }
  if (const auto* v = obj ? obj->if_contains("expires_in") : nullptr;
      v && v->is_int64() && v->as_int64() > 0) {
    // The spec's floor is 60 s; a shorter claim is kept as given.
    token.expires_in = std::chrono::seconds(std::min<std::int64_t>(v->as_int64(), 24 * 3600));
  }
  return token;
}

std::optional<std::string> TokenCache::find(const AuthScheme& bearer, const std::string& scope,
                                            Clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.realm == bearer.realm && e.service == bearer.service && e.expires > now &&
        covers(e.scope, scope)) {
      return e.token;
    }
  }
  return std::nullopt;
}

void TokenCache::store(const AuthScheme& bearer, const std::string& scope, const Token& token,
                       Clock::time_point now) {
  // Used until 10 s before it expires, so that a request never carries a token about to lapse.
  const auto margin =
      std::min<std::chrono::seconds>(std::chrono::seconds(10), token.expires_in / 2);
  const std::lock_guard lock(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return e.expires <= now; }),
                 entries_.end());
  entries_.push_back(
      Entry{bearer.realm, bearer.service, scope, token.value, now + token.expires_in - margin});
}

void TokenCache::forget(const std::string& value) {
  const std::lock_guard lock(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return e.token == value; }),
                 entries_.end());
}

}  // namespace commentsctl::registry
