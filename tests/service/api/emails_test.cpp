// Unit tests of what lists show of an address: its hash is the SHA-256 of the trimmed,
// lower-cased address (checked against a digest computed outside this code), and each visibility
// writes its own member.
#include "service/api/emails.hpp"

#include <catch2/catch.hpp>

#include "service/api/validation.hpp"

using comments::api::append_email;
using comments::api::count_links;
using comments::api::email_hash;
using comments::config::EmailVisibility;

namespace {

// printf '%s' 'alice.example@example.com' | sha256sum
constexpr const char* kAliceHash =
    "80b6856c17f72c11c8470ea0281111871f41331eb4ecee1f9910ac4b7c4c7209";

}  // namespace

TEST_CASE("email_hash is the SHA-256 hex of the trimmed, lower-cased address") {
  CHECK(email_hash("alice.example@example.com") == kAliceHash);
  CHECK(email_hash("  Alice.Example@EXAMPLE.com \t\n") == kAliceHash);
  CHECK(email_hash("bob@example.com") != kAliceHash);
}

TEST_CASE("each visibility writes its own member of a list item") {
  std::string out;
  append_email(out, "Alice.Example@example.com", EmailVisibility::shown);
  CHECK(out == R"("email":"Alice.Example@example.com",)");
  out.clear();
  append_email(out, "Alice.Example@example.com", EmailVisibility::hashed);
  CHECK(out == std::string(R"("email_hash":")") + kAliceHash + "\",");
  out.clear();
  append_email(out, "Alice.Example@example.com", EmailVisibility::hidden);
  CHECK(out.empty());
}

TEST_CASE("links are counted by scheme and by www., once each") {
  CHECK(count_links("no links here, just text.") == 0);
  CHECK(count_links("see https://example.com/a") == 1);
  CHECK(count_links("HTTP://A.example and http://b.example") == 2);
  CHECK(count_links("www.example.com") == 1);
  CHECK(count_links("https://www.example.com") == 1);
  CHECK(count_links("https://www.a.example www.b.example http://c.example/www.d") == 4);
  CHECK(count_links("http://") == 1);
  CHECK(count_links("ends with http:/") == 0);
}
