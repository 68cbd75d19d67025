// Unit tests of the storage URL check: every malformed URL or invalid option is refused before
// anything connects, with a message that says what is wrong and never holds the password.
#include "service/store/postgres/url.hpp"

#include <catch2/catch.hpp>

using comments::store::pg::check_url;
using comments::store::pg::describe;

namespace {

std::string refusal(const std::string& url) {
  try {
    check_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("malformed URLs and invalid options are refused without the password") {
  struct Case {
    std::string url;
    std::string says;
  };
  const Case cases[] = {
      {"postgresql://user:Secret-pw@[::1/db", "IPv6 host address"},
      {"postgresql://user:Secret-pw@localhost/db?sslmode=nonsense",
       "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full (not "
       "\"nonsense\")"},
      {"postgresql://user:Secret-pw@localhost:abc/db", "port must be a number from 1 to 65535"},
      {"postgresql://user:Secret-pw@localhost/db?port=99999", "port must be a number"},
      {"postgresql://user:Secret-pw@h1:5432,h2:x/db", "port must be a number"},
      {"postgresql://user:Sec%zzret-pw@localhost/comments", "invalid percent-encoded token"},
      {"postgresql://user:Secret-pw@localhost/db?connect_timeout=soon",
       "connect_timeout must be a whole number"},
      {"postgresql://user:Secret-pw@localhost/db?target_session_attrs=primary-ish",
       "target_session_attrs must be one of"},
      {"postgresql://user:Secret-pw@localhost/db?gssencmode=maybe", "gssencmode must be one of"},
      {"postgresql://user:Secret-pw@localhost/db?keepalives=yes", "keepalives must be one of 0, 1"},
      {"postgresql://user:Secret-pw@localhost/db?nosuchoption=1",
       "invalid URI query parameter: \"nosuchoption\""},
      {"postgresql://user:Secret-pw@localhost/db?hostaddr=db.example.com",
       "hostaddr must be numeric IP addresses"},
      {"postgresql://user:Secret-pw@localhost/db?sslrootcert=/nonexistent/ca.pem",
       "sslrootcert names a file this process cannot read"},
      {"postgresql://user@localhost/db?password=Secret-pw&sslmode=bogus", "sslmode must be one of"},
      // A raw '/' in the password: libpq then reads "user" as the host and "abc" as the port.
      {"postgresql://user:abc/Secret-pw@localhost/db", "port must be a number"},
      {"postgresql://user:Secret-pw@localhost/db?sslmode=Secret-pw", "sslmode must be one of"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    const auto message = refusal(c.url);
    CHECK_THAT(message, Catch::StartsWith("not a valid PostgreSQL URL"));
    CHECK_THAT(message, Catch::Contains(c.says));
    CHECK_THAT(message, !Catch::Contains("ecret"));  // neither as written nor decoded
    CHECK_THAT(message, !Catch::Contains("user:"));
  }
}

TEST_CASE("the refusal shows the URL with its user information hidden") {
  CHECK_THAT(refusal("postgresql://user:Secret-pw@db.example.com/comments?sslmode=nonsense"),
             Catch::EndsWith("; URL: postgresql://***@db.example.com/comments?sslmode=nonsense"));
  CHECK_THAT(refusal("postgresql://db.example.com/comments?password=Secret-pw&port=0"),
             Catch::EndsWith("; URL: postgresql://db.example.com/comments?password=***&port=0"));
}

TEST_CASE("valid URLs and options pass") {
  for (const std::string url : {
           "postgresql://user:Secret-pw@localhost/db",
           "postgres://localhost",
           "postgresql:///comments?host=/tmp/pg&port=5432&user=postgres",
           "postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write&sslmode=verify-full"
           "&connect_timeout=2&keepalives=1&keepalives_idle=10&gssencmode=disable",
           "postgresql://u@[::1]:5432/db?hostaddr=::1&channel_binding=prefer",
           "postgresql://u@h/db?sslrootcert=/dev/null&application_name=x",
       }) {
    CAPTURE(url);
    CHECK(refusal(url) == "accepted");
  }
}

TEST_CASE("targets are described for logs without the password") {
  CHECK(describe("postgresql://app:Secret-pw@db.example.com:6432/comments") ==
        "app@db.example.com:6432/comments");
  CHECK(describe("postgresql:///comments?host=/tmp/pg&port=5432") == "/tmp/pg:5432/comments");
}
