// URL checks and descriptions through libpq's own parser (PQconninfoParse).
#include "service/store/postgres/url.hpp"

#include <libpq-fe.h>

#include <stdexcept>
#include <string_view>

#include "service/store/postgres/connection.hpp"

namespace comments::store::pg {

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
  if (options != nullptr) {
    PQconninfoFree(options);
    return;
  }
  std::string reason = one_line(err);
  PQfreemem(err);
  // libpq quotes the offending part, which may be a piece of the password: keep it out.
  const auto at = url.find('@');
  const auto scheme_end = url.find("://");
  if (at != std::string::npos && scheme_end != std::string::npos && at > scheme_end) {
    const std::string userinfo = url.substr(scheme_end + 3, at - scheme_end - 3);
    const auto q1 = reason.find('"');
    const auto q2 = q1 == std::string::npos ? q1 : reason.find('"', q1 + 1);
    if (q2 != std::string::npos &&
        userinfo.find(reason.substr(q1 + 1, q2 - q1 - 1)) != std::string::npos) {
      reason = "a malformed user or password part";
    }
    // Some messages quote the whole URL ("in URI: \"postgresql://user:secret@[::1/db\"").
    const auto colon = userinfo.find(':');
    const std::string password = colon == std::string::npos ? "" : userinfo.substr(colon + 1);
    for (auto p = password.empty() ? std::string::npos : reason.find(password); p != std::string::npos;
         p = reason.find(password, p)) {
      reason.replace(p, password.size(), "********");
    }
  }
  throw std::invalid_argument(
      "not a valid PostgreSQL URL (postgresql://user@host:5432/database?param=value): " + reason);
}

}  // namespace comments::store::pg
