// URL checks and descriptions through libpq's own parser (PQconninfoParse), plus the value checks
// libpq makes only when it connects (so that a typo stops the start instead of a pod that never
// becomes ready). No message ever quotes the user-information part of the URL or a password.
#include "service/store/postgres/url.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "service/store/postgres/connection.hpp"

namespace comments::store::pg {
namespace {

constexpr std::string_view kForm = "postgresql://user@host:5432/database?param=value";

// Where the user information may be: between "://" and the last '@' before the query. Wider than
// what libpq takes (a raw '/' in a password ends its look-ahead), so that whatever libpq made of
// a malformed password, it is inside this part.
std::string_view userinfo(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return {};
  }
  const auto rest = url.substr(scheme + 3);
  const auto at = rest.substr(0, rest.find('?')).rfind('@');
  return at == std::string_view::npos ? std::string_view{} : rest.substr(0, at);
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Every password that must not appear in a message: the one in the user information and those of
// password=… query parameters, as written and percent-decoded.
std::vector<std::string> passwords(std::string_view url) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view s) {
    if (!s.empty()) {
      out.emplace_back(s);
      out.push_back(percent_decoded(s));
    }
  };
  const auto info = userinfo(url);
  if (const auto colon = info.find(':'); colon != std::string_view::npos) {
    add(info.substr(colon + 1));
  }
  for (auto at = url.find("password="); at != std::string_view::npos;
       at = url.find("password=", at + 1)) {
    auto value = url.substr(at + 9);
    add(value.substr(0, value.find('&')));
  }
  return out;
}

// The URL with its user information and password parameter replaced by "***".
std::string redacted(std::string_view url) {
  std::string out(url);
  if (const auto info = userinfo(url); !info.empty()) {
    const auto begin = static_cast<std::size_t>(info.data() - url.data());
    out.replace(begin, info.size(), "***");
  }
  for (auto at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    const auto end = out.find('&', at);
    out.replace(at + 9, (end == std::string::npos ? out.size() : end) - at - 9, "***");
  }
  return out;
}

// The message without any secret: quoted pieces from the user information or a password go, and
// as a last guard any password long enough to be told from ordinary words.
std::string scrubbed(const std::string& message, std::string_view url) {
  const auto info = userinfo(url);
  const auto hidden = passwords(url);
  auto secret = [&](std::string_view piece) {
    return info.find(piece) != std::string_view::npos ||
           std::any_of(hidden.begin(), hidden.end(), [piece](const std::string& p) {
             return p.find(piece) != std::string::npos || piece.find(p) != std::string_view::npos;
           });
  };
  std::string out;
  for (std::size_t i = 0; i < message.size();) {
    const auto open = message.find('"', i);
    const auto close = open == std::string::npos ? open : message.find('"', open + 1);
    if (close == std::string::npos) {
      out += message.substr(i);
      break;
    }
    out += message.substr(i, open - i);
    const std::string_view piece(message.data() + open + 1, close - open - 1);
    if (piece == url) {
      out += '"' + redacted(url) + '"';
    } else if (!piece.empty() && secret(piece)) {
      out += "\"***\"";
    } else {
      out += message.substr(open, close - open + 1);
    }
    i = close + 1;
  }
  for (const auto& p : hidden) {
    if (p.size() < 4) {
      continue;
    }
    for (auto at = out.find(p); at != std::string::npos; at = out.find(p, at + 3)) {
      out.replace(at, p.size(), "***");
    }
  }
  return out;
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

std::string joined(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) {
    out += (out.empty() ? "" : ", ") + std::string(w);
  }
  return out;
}

bool integer_in(std::string_view v, long min, long max) {
  long n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && ec == std::errc{} && end == v.data() + v.size() && n >= min && n <= max;
}

// Each element of a comma-separated list (several hosts), empty ones meaning "the default".
template <typename Check>
bool each(std::string_view list, Check check) {
  for (;;) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    if (!item.empty() && !check(item)) {
      return false;
    }
    if (comma == std::string_view::npos) {
      return true;
    }
    list.remove_prefix(comma + 1);
  }
}

bool numeric_address(std::string_view a) {
  const std::string s(a);
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, s.c_str(), buf.data()) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

// What is wrong with one option's value, or "" when nothing is. libpq itself checks these only
// when it connects.
std::string problem(std::string_view key, std::string_view v) {
  struct Choice {
    std::string_view key;
    std::initializer_list<std::string_view> values;
  };
  static const Choice kChoices[] = {
      {"sslmode", {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}},
      {"gssencmode", {"disable", "prefer", "require"}},
      {"channel_binding", {"disable", "prefer", "require"}},
      {"target_session_attrs",
       {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}},
      {"ssl_min_protocol_version", {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
      {"ssl_max_protocol_version", {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
      {"sslcompression", {"0", "1"}},
      {"sslsni", {"0", "1"}},
      {"keepalives", {"0", "1"}},
      {"requiressl", {"0", "1"}},
  };
  for (const auto& c : kChoices) {
    if (key == c.key && !one_of(v, c.values)) {
      return std::string(key) + " must be one of " + joined(c.values);
    }
  }
  if (key == "port" && !each(v, [](std::string_view p) { return integer_in(p, 1, 65535); })) {
    return "port must be a number from 1 to 65535 (one per host, separated by commas)";
  }
  if (one_of(key, {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                   "tcp_user_timeout"}) &&
      !integer_in(v, 0, 2147483647)) {
    return std::string(key) + " must be a whole number";
  }
  if (key == "hostaddr" && !each(v, numeric_address)) {
    return "hostaddr must be numeric IP addresses (use host= for names)";
  }
  if (one_of(key, {"sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile"}) &&
      ::access(std::string(v).c_str(), R_OK) != 0) {
    return std::string(key) + " names a file this process cannot read";
  }
  return {};
}

[[noreturn]] void refuse(const std::string& url, const std::string& reason) {
  throw std::invalid_argument(scrubbed("not a valid PostgreSQL URL (" + std::string(kForm) +
                                           "): " + reason + "; URL: " + redacted(url),
                                       url));
}

}  // namespace

std::string describe(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  PQfreemem(err);
  if (options == nullptr) {
    return "(unparsable URL)";
  }
  std::string host = "localhost";
  std::string port = "5432";
  std::string db;
  std::string user;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') {
      continue;
    }
    const std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && host == "localhost")) {
      host = o->val;
    } else if (k == "port") {
      port = o->val;
    } else if (k == "dbname") {
      db = o->val;
    } else if (k == "user") {
      user = o->val;
    }
  }
  PQconninfoFree(options);
  return (user.empty() ? "" : user + "@") + host + ":" + port + (db.empty() ? "" : "/" + db);
}

void check_url(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  if (options == nullptr) {
    std::string reason = err != nullptr ? one_line(err) : "libpq cannot parse it";
    PQfreemem(err);
    // libpq ends some messages with the whole URL, which the refusal shows redacted anyway.
    if (const auto quoted = ": \"" + url + "\""; reason.ends_with(quoted)) {
      reason.resize(reason.size() - quoted.size());
    }
    refuse(url, reason);
  }
  std::string reason;
  for (auto* o = options; o->keyword != nullptr && reason.empty(); ++o) {
    if (o->val == nullptr || *o->val == '\0') {
      continue;
    }
    if (auto p = problem(o->keyword, o->val); !p.empty()) {
      const std::string value = o->val;
      const bool secret = std::string_view(o->keyword) == "password" ||
                          userinfo(url).find(value) != std::string_view::npos;
      reason = secret ? p : p + " (not \"" + value + "\")";
    }
  }
  PQconninfoFree(options);
  if (!reason.empty()) {
    refuse(url, reason);
  }
}

}  // namespace comments::store::pg
