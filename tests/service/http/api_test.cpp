// The original API's contract, checked against the real binary over HTTP, and every bad input.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tests/service/support/api_checks.hpp"
#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;
namespace json = boost::json;

namespace {

struct Running {
  TempDir dir;
  ServiceProcess service;
  HttpClient client;
  explicit Running(std::vector<std::string> extra = {})
      : service(with_storage(std::move(extra), dir)), client(started(service)) {}

  static std::vector<std::string> with_storage(std::vector<std::string> args, const TempDir& dir) {
    args.insert(args.end(),
                {"--storage", "sqlite:" + (dir / "comments.db").string(), "--log-level", "warn"});
    return args;
  }
  static std::uint16_t started(ServiceProcess& s) {
    REQUIRE(s.wait_listening());
    return s.port();
  }
};

std::string valid_body(const std::string& content = "1") {
  return R"({"email":"alice@example.com","comment":"hello","content_id":)" + content + "}";
}

}  // namespace

TEST_CASE("the README sequence: three comments on two contents, listed in order") {
  Running s;
  for (int content : {1, 2}) {
    for (int i = 1; i <= 3; ++i) {
      auto r =
          s.client.post_comment("user" + std::to_string(i) + "@example.com",
                                "comment " + std::to_string(i) + " on " + std::to_string(content),
                                std::to_string(content));
      REQUIRE(r.status == 200);
      CHECK(r.header("Content-Type") == "application/json");
      auto v = r.json();
      CHECK(text(v.at("status")) == "SUCCESS");
      CHECK(text(v.at("message")) ==
            "comment created and associated with content_id " + std::to_string(content));
      CHECK(v.at("id").is_int64());
    }
  }
  for (int content : {1, 2}) {
    auto r = s.client.get("/api/comment/list/" + std::to_string(content));
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("X-Content-Type-Options") == "nosniff");
    auto arr = r.json().as_array();
    REQUIRE(arr.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(text(arr[i].at("email")) == "user" + std::to_string(i + 1) + "@example.com");
      CHECK(text(arr[i].at("comment")) ==
            "comment " + std::to_string(i + 1) + " on " + std::to_string(content));
      CHECK(arr[i].at("created_at").as_string().size() == 24);
    }
    CHECK(r.header("Link").empty());
  }
}

TEST_CASE("an unknown content is a 404 with the original message") {
  Running s;
  check_error(s.client.get("/api/comment/list/42"), 404, "NOT-FOUND", "content_id 42 not found");
  check_error(s.client.get("/api/comment/list/some-article"), 404, "NOT-FOUND",
              "content_id some-article not found");
}

TEST_CASE("integer 1 and string \"1\" name the same content and percent-encoded ids are decoded") {
  Running s;
  REQUIRE(s.client.post_comment("a@example.com", "as integer", "1").status == 200);
  auto r = s.client.post_comment("b@example.com", "as string", "\"1\"");
  REQUIRE(r.status == 200);
  CHECK(text(r.json().at("message")) == "comment created and associated with content_id 1");
  CHECK(s.client.get("/api/comment/list/1").json().as_array().size() == 2);
  REQUIRE(s.client.post_comment("c@example.com", "x", "\"post:2026~v1\"").status == 200);
  auto encoded = s.client.get("/api/comment/list/post%3A2026~v1");
  REQUIRE(encoded.status == 200);
  CHECK(encoded.json().as_array().size() == 1);
}

TEST_CASE("text comes back byte for byte") {
  Running s;
  const std::string text =
      "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \"quoted\" \\ <b>&amp;</b>\nline two";
  REQUIRE(s.client.post_comment("o'brien+x@example.com", text, "\"bytes\"").status == 200);
  auto arr = s.client.get("/api/comment/list/bytes").json().as_array();
  REQUIRE(arr.size() == 1);
  CHECK(std::string(arr[0].at("comment").as_string()) == text);
  CHECK(std::string(arr[0].at("email").as_string()) == "o'brien+x@example.com");
}

TEST_CASE("HEAD on a list answers the GET headers without a body") {
  Running s;
  REQUIRE(s.client.post_comment("a@example.com", "x", "5").status == 200);
  auto get = s.client.get("/api/comment/list/5");
  auto head = s.client.request("HEAD", "/api/comment/list/5");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("Content-Length") == std::to_string(get.body.size()));
  CHECK(head.header("Content-Type") == "application/json");
  CHECK(s.client.request("HEAD", "/api/comment/list/404").status == 404);
}

TEST_CASE("long lists are paged with limit, a cursor and Link rel=next") {
  Running s({"--max-page-size", "4"});
  for (int i = 0; i < 10; ++i) {
    REQUIRE(s.client.post_comment("a@example.com", "c" + std::to_string(i), "\"long\"").status ==
            200);
  }
  SECTION("without parameters the first page is bounded by the maximum page size") {
    auto r = s.client.get("/api/comment/list/long");
    REQUIRE(r.status == 200);
    CHECK(r.json().as_array().size() == 4);
    CHECK_THAT(r.header("Link"), Catch::StartsWith("</api/comment/list/long?limit=4&cursor="));
    CHECK_THAT(r.header("Link"), Catch::EndsWith(">; rel=\"next\""));
  }
  SECTION("following the Link headers visits every comment once, in order") {
    std::vector<std::string> seen;
    int pages = 0;
    walk_pages(s.client, "/api/comment/list/long?limit=3", [&](const HttpResponse& r) {
      REQUIRE(r.status == 200);
      const auto page = r.json();
      for (const auto& c : page.as_array()) {
        seen.emplace_back(c.at("comment").as_string());
      }
      return ++pages < 10;
    });
    CHECK(pages == 4);
    REQUIRE(seen.size() == 10);
    for (int i = 0; i < 10; ++i) {
      CHECK(seen[static_cast<std::size_t>(i)] == "c" + std::to_string(i));
    }
  }
  SECTION("bad paging parameters are 400s") {
    check_error(s.client.get("/api/comment/list/long?limit=0"), 400, "BAD-REQUEST",
                "limit must be an integer from 1 to 4");
    check_error(s.client.get("/api/comment/list/long?limit=5"), 400, "BAD-REQUEST",
                "limit must be an integer from 1 to 4");
    check_error(s.client.get("/api/comment/list/long?limit=two"), 400, "BAD-REQUEST",
                "limit must be an integer from 1 to 4");
    check_error(s.client.get("/api/comment/list/long?cursor=-1"), 400, "BAD-REQUEST",
                "cursor is not one this service issued");
  }
  SECTION("a cursor past the end of an existing content is an empty page, of a missing one a 404") {
    auto r = s.client.get("/api/comment/list/long?cursor=999999");
    CHECK(r.status == 200);
    CHECK(r.body == "[]");
    CHECK(s.client.get("/api/comment/list/nothing?cursor=5").status == 404);
  }
}

TEST_CASE("a new comment is listed at once (the cached list is invalidated)") {
  Running s;
  REQUIRE(s.client.post_comment("a@example.com", "first", "9").status == 200);
  CHECK(s.client.get("/api/comment/list/9").json().as_array().size() == 1);
  CHECK(s.client.get("/api/comment/list/9").json().as_array().size() == 1);  // cached
  REQUIRE(s.client.post_comment("a@example.com", "second", "9").status == 200);
  auto arr = s.client.get("/api/comment/list/9").json().as_array();
  REQUIRE(arr.size() == 2);
  CHECK(text(arr[1].at("comment")) == "second");
}

TEST_CASE("bad bodies are 400s with a JSON message, and nothing is stored") {
  Running s;
  check_error(s.client.post_json("/api/comment/new", "{bad"), 400, "BAD-REQUEST",
              "malformed JSON body: syntax error");
  check_error(s.client.post_json("/api/comment/new", "[1]"), 400, "BAD-REQUEST",
              "the body must be a JSON object with email, comment and content_id");
  check_error(s.client.post_json("/api/comment/new", R"({"comment":"x","content_id":1})"), 400,
              "BAD-REQUEST", "missing field: email");
  check_error(s.client.post_json("/api/comment/new", R"({"email":"a@example.com","content_id":1})"),
              400, "BAD-REQUEST", "missing field: comment");
  check_error(s.client.post_json("/api/comment/new", R"({"email":"a@example.com","comment":"x"})"),
              400, "BAD-REQUEST", "missing field: content_id");
  check_error(s.client.post_comment("not-an-address", "x", "1"), 400, "BAD-REQUEST",
              "email is not a valid e-mail address");
  check_error(s.client.post_comment("a@example.com", "", "1"), 400, "BAD-REQUEST",
              "comment must not be empty");
  check_error(s.client.post_comment("a@example.com", "x", "1.5"), 400, "BAD-REQUEST",
              "content_id must be an integer or a string");
  check_error(s.client.post_comment("a@example.com", "x", "null"), 400, "BAD-REQUEST",
              "content_id must be an integer or a string");
  check_error(s.client.post_comment("a@example.com", "x", "\"../etc\""), 400, "BAD-REQUEST",
              "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
  check_error(s.client.post_json("/api/comment/new", R"({"email":1,"comment":"x","content_id":1})"),
              400, "BAD-REQUEST", "email must be a string");
  auto invalid_utf8 =
      s.client.post_json("/api/comment/new",
                         "{\"email\":\"a@example.com\",\"comment\":\"\xc3\x28\",\"content_id\":1}");
  CHECK(invalid_utf8.status == 400);
  CHECK(s.client.get("/api/comment/list/1").status == 404);
}

TEST_CASE("a body that is not JSON is a 415, a body over the limit a 413") {
  Running s({"--max-body-bytes", "1KiB"});
  check_error(
      s.client.request("POST", "/api/comment/new", valid_body(), {{"Content-Type", "text/plain"}}),
      415, "UNSUPPORTED-MEDIA-TYPE", "Content-Type must be application/json");
  check_error(s.client.request("POST", "/api/comment/new", valid_body()), 415,
              "UNSUPPORTED-MEDIA-TYPE", "Content-Type must be application/json");
  CHECK(s.client
            .request("POST", "/api/comment/new", valid_body(),
                     {{"Content-Type", "application/json; charset=utf-8"}})
            .status == 200);
  HttpClient fresh(s.service.port());
  const std::string big =
      R"({"email":"a@example.com","comment":")" + std::string(2000, 'x') + R"(","content_id":1})";
  check_error(fresh.post_json("/api/comment/new", big), 413, "PAYLOAD-TOO-LARGE",
              "request body larger than 1024 bytes");
  CHECK(s.client.get("/api/comment/list/1").json().as_array().size() == 1);
}

TEST_CASE("wrong methods are 405 with Allow, unknown routes 404, bad ids 400") {
  Running s;
  auto put = s.client.request("PUT", "/api/comment/new", valid_body(),
                              {{"Content-Type", "application/json"}});
  check_error(put, 405, "METHOD-NOT-ALLOWED", "method not allowed; allowed: POST");
  CHECK(put.header("Allow") == "POST");
  auto get_new = s.client.get("/api/comment/new");
  CHECK(get_new.status == 405);
  CHECK(get_new.header("Allow") == "POST");
  auto post_list = s.client.post_json("/api/comment/list/1", valid_body());
  CHECK(post_list.status == 405);
  CHECK(post_list.header("Allow") == "GET, HEAD");
  auto delete_health = s.client.request("DELETE", "/healthz");
  CHECK(delete_health.status == 405);
  CHECK(delete_health.header("Allow") == "GET, HEAD");
  check_error(s.client.get("/api/comment/nope"), 404, "NOT-FOUND", "no such route");
  check_error(s.client.get("/"), 404, "NOT-FOUND", "no such route");
  check_error(s.client.get("/api/comment/list/1/extra"), 404, "NOT-FOUND", "no such route");
  check_error(s.client.get("/api/comment/list/a%20b"), 400, "BAD-REQUEST",
              "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
  check_error(s.client.get("/api/comment/list/a%2Fb"), 400, "BAD-REQUEST",
              "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
  check_error(s.client.get("/api/comment/list/" + std::string(129, 'a')), 400, "BAD-REQUEST",
              "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
}

TEST_CASE("X-Request-Id is echoed when safe, generated otherwise") {
  Running s;
  auto echoed = s.client.request("GET", "/healthz", {}, {{"X-Request-Id", "abc-123"}});
  CHECK(echoed.header("X-Request-Id") == "abc-123");
  auto replaced = s.client.request("GET", "/healthz", {}, {{"X-Request-Id", "bad id\"<>"}});
  CHECK_FALSE(replaced.header("X-Request-Id").empty());
  CHECK(replaced.header("X-Request-Id") != "bad id\"<>");
  CHECK_FALSE(s.client.get("/healthz").header("X-Request-Id").empty());
}

TEST_CASE("the per-client rate limit answers 429 with Retry-After, and never limits probes") {
  Running s({"--rate-limit", "1", "--rate-burst", "3"});
  for (int i = 0; i < 3; ++i) {
    REQUIRE(s.client.get("/api/comment/list/1").status == 404);
  }
  auto limited = s.client.get("/api/comment/list/1");
  check_error(limited, 429, "TOO-MANY-REQUESTS", "rate limit exceeded; retry after 1 s");
  CHECK(limited.header("Retry-After") == "1");
  CHECK(s.client.post_comment("a@example.com", "x", "1").status == 429);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(s.client.get("/healthz").status == 200);
  }
  CHECK_THAT(s.client.get("/metrics").body, Catch::Contains("http_requests_rate_limited_total 2"));
}

TEST_CASE("behind a trusted proxy, clients are told apart by X-Forwarded-For") {
  Running s({"--rate-limit", "1", "--rate-burst", "1", "--trusted-proxy-hops", "1"});
  auto as = [&](const std::string& client) {
    return s.client.request("GET", "/api/comment/list/1", {}, {{"X-Forwarded-For", client}}).status;
  };
  CHECK(as("203.0.113.1") == 404);
  CHECK(as("203.0.113.1") == 429);
  CHECK(as("203.0.113.2") == 404);
  CHECK(as("spoofed, 203.0.113.2") == 429);  // only the hop the proxy added counts
}
