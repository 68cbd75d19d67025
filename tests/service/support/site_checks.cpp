// The checks of site_checks.hpp, over HTTP against a running service.
#include "tests/service/support/site_checks.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/service/support/http_client.hpp"

namespace comments::testing {
namespace {

namespace json = boost::json;

std::int64_t count_of(const json::value& counts, const std::string& content) {
  return counts.at(content).as_int64();
}

std::int64_t list_length(std::uint16_t port, const std::string& content) {
  auto r = HttpClient(port).get("/api/comment/list/" + content);
  if (r.status == 404) {
    return 0;
  }
  REQUIRE(r.status == 200);
  return static_cast<std::int64_t>(r.json().as_array().size());
}

void check_bad_request(const HttpResponse& r, const std::string& message) {
  CAPTURE(r.body);
  CHECK(r.status == 400);
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(text(r.json().at("status")) == "BAD-REQUEST");
  CHECK(text(r.json().at("message")) == message);
}

}  // namespace

std::string check_email_visibility(std::uint16_t port, const std::string& mode,
                                   const std::string& content) {
  HttpClient c(port);
  REQUIRE(c.post_comment(kAliceAddress, "first", json_string(content)).status == 200);
  REQUIRE(c.post_comment("bob@example.com", "second", json_string(content)).status == 200);
  std::string etag;
  for (const char* read : {"from storage", "from the cache"}) {
    CAPTURE(mode, read);
    auto r = c.get("/api/comment/list/" + content);
    REQUIRE(r.status == 200);
    CAPTURE(r.body);
    const auto items = r.json().as_array();
    REQUIRE(items.size() == 2);
    const auto& alice = items[0].as_object();
    CHECK(text(alice.at("comment")) == "first");
    if (mode == "public") {
      CHECK(text(alice.at("email")) == kAliceAddress);
      CHECK(text(items[1].at("email")) == "bob@example.com");
      CHECK_FALSE(alice.contains("email_hash"));
      // The address is in the body: the checks below for the other modes can fail.
      CHECK(r.body.find("Alice.Example") != std::string::npos);
    } else {
      CHECK_FALSE(alice.contains("email"));
      CHECK(r.body.find("Alice.Example") == std::string::npos);
      CHECK(r.body.find("alice.example") == std::string::npos);
      CHECK(r.body.find('@') == std::string::npos);
      if (mode == "hash") {
        CHECK(text(alice.at("email_hash")) == kAliceHash);
        CHECK(text(items[1].at("email_hash")).size() == 64);
      } else {
        CHECK_FALSE(alice.contains("email_hash"));
        CHECK(alice.size() == 3);  // id, comment, created_at
      }
    }
    CHECK((etag.empty() || etag == r.header("ETag")));
    etag = r.header("ETag");
  }
  return etag;
}

void check_counts(std::uint16_t port, const std::string& prefix) {
  const std::string a = prefix + "-a";
  const std::string b = prefix + "-b";
  const std::string none = prefix + "-none";
  HttpClient c(port);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.post_comment("a@example.com", "a" + std::to_string(i), json_string(a)).status == 200);
  }
  REQUIRE(c.post_comment("b@example.com", "b", json_string(b)).status == 200);
  const std::string query =
      "/api/comment/count?content_id=" + a + "&content_id=" + b + "&content_id=" + none;

  auto r = c.get(query);  // nothing cached yet: from storage
  CAPTURE(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  auto counts = r.json();
  CHECK(counts.as_object().size() == 3);
  CHECK(count_of(counts, a) == 3);
  CHECK(count_of(counts, b) == 1);
  CHECK(count_of(counts, none) == 0);
  for (const auto& content : {a, b, none}) {
    CHECK(count_of(counts, content) == list_length(port, content));
  }
  // The lists are cached now; a new comment must show in the count at once.
  REQUIRE(c.post_comment("a@example.com", "a3", json_string(a)).status == 200);
  counts = c.get(query).json();
  CHECK(count_of(counts, a) == 4);
  CHECK(count_of(counts, a) == list_length(port, a));
  CHECK(count_of(counts, b) == list_length(port, b));

  check_bad_request(c.get("/api/comment/count"),
                    "name at least one content: /api/comment/count?content_id=1");
  check_bad_request(c.get("/api/comment/count?content_id=a%20b"),
                    "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
  std::string many = "/api/comment/count?content_id=0";
  for (int i = 1; i <= 100; ++i) {
    many += "&content_id=" + std::to_string(i);
  }
  check_bad_request(c.get(many), "at most 100 content_id parameters per request");
  many = many.substr(0, many.rfind('&'));  // exactly 100
  r = c.get(many);
  CHECK(r.status == 200);
  CHECK(r.json().as_object().size() == 100);
}

}  // namespace comments::testing
