// CORS against the real binary: nothing but same-origin by default; with --cors-origins,
// preflights granted or refused with the reason, and every API answer (errors, 413, 429
// included) readable by an allowed page only.
#include <catch2/catch.hpp>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"

using namespace comments::testing;

namespace {

const std::string kBlog = "https://blog.example.com";
const std::string kOther = "https://other.example.com";

HttpResponse preflight(HttpClient& c, const std::string& target, const std::string& origin,
                       const std::string& method, const std::string& headers = "content-type") {
  std::map<std::string, std::string> h{{"Origin", origin},
                                       {"Access-Control-Request-Method", method}};
  if (!headers.empty()) {
    h["Access-Control-Request-Headers"] = headers;
  }
  return c.request("OPTIONS", target, {}, h);
}

HttpResponse post_from(HttpClient& c, const std::string& origin, const std::string& body) {
  return c.request("POST", "/api/comment/new", body,
                   {{"Origin", origin}, {"Content-Type", "application/json"}});
}

const std::string kComment = R"({"email":"a@example.com","comment":"hi","content_id":7})";

void check_refused(const HttpResponse& r, const std::string& message) {
  CAPTURE(r.body);
  CHECK(r.status == 403);
  CHECK(r.header("Access-Control-Allow-Origin").empty());
  CHECK(std::string(r.json().at("status").as_string()) == "FORBIDDEN");
  CHECK(std::string(r.json().at("message").as_string()) == "CORS preflight refused: " + message);
}

}  // namespace

TEST_CASE("by default no other origin may call the API") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  check_refused(preflight(c, "/api/comment/new", kBlog, "POST"),
                "origin https://blog.example.com is not allowed to call this API (the service's "
                "--cors-origins)");
  auto post = post_from(c, kBlog, kComment);
  CHECK(post.status == 200);  // stored (as curl could), but the page's script may not read it
  CHECK(post.header("Access-Control-Allow-Origin").empty());
  CHECK(post.header("Vary").empty());
  auto list = c.request("GET", "/api/comment/list/7", {}, {{"Origin", kBlog}});
  CHECK(list.status == 200);
  CHECK(list.header("Access-Control-Allow-Origin").empty());
}

TEST_CASE("an allowed origin's preflight is granted for the route's methods and headers") {
  ServiceProcess s({"--storage", "memory:", "--cors-origins", kBlog + ",http://localhost:8080"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());

  auto post = preflight(c, "/api/comment/new", kBlog, "POST", "Content-Type, X-Request-Id");
  CAPTURE(post.body);
  CHECK(post.status == 204);
  CHECK(post.body.empty());
  CHECK(post.header("Access-Control-Allow-Origin") == kBlog);
  CHECK(post.header("Access-Control-Allow-Methods") == "POST");
  CHECK(post.header("Access-Control-Allow-Headers") == "Content-Type, X-Request-Id");
  CHECK(post.header("Access-Control-Max-Age") == "600");
  CHECK(post.header("Vary") == "Origin");

  auto list = preflight(c, "/api/comment/list/7?limit=20", "http://localhost:8080", "GET", "");
  CHECK(list.status == 204);
  CHECK(list.header("Access-Control-Allow-Origin") == "http://localhost:8080");
  CHECK(list.header("Access-Control-Allow-Methods") == "GET, HEAD");

  check_refused(preflight(c, "/api/comment/new", kOther, "POST"),
                "origin https://other.example.com is not allowed to call this API (the service's "
                "--cors-origins)");
  check_refused(preflight(c, "/api/comment/new", kBlog + "/", "POST"),
                "origin https://blog.example.com/ is not allowed to call this API (the service's "
                "--cors-origins)");
  check_refused(preflight(c, "/api/comment/list/7", kBlog, "DELETE"),
                "method DELETE not allowed here; allowed: GET, HEAD");
  check_refused(preflight(c, "/api/comment/new", kBlog, "POST", "content-type, authorization"),
                "request header authorization not allowed; allowed: Content-Type, X-Request-Id");

  // OPTIONS that is not a preflight, and preflights of non-API paths, are not CORS business.
  CHECK(c.request("OPTIONS", "/api/comment/new").status == 405);
  CHECK(preflight(c, "/api/nothing-here", kBlog, "GET").status == 404);
}

TEST_CASE("every API answer is readable by an allowed page, and only by it") {
  ServiceProcess s({"--storage", "memory:", "--cors-origins", kBlog, "--max-body-bytes", "1KiB"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  const auto readable = [](const HttpResponse& r) {
    CAPTURE(r.status, r.body);
    CHECK(r.header("Access-Control-Allow-Origin") == kBlog);
    CHECK(r.header("Access-Control-Expose-Headers") == "Link, Retry-After, X-Request-Id, ETag");
    CHECK(r.header("Vary").find("Origin") != std::string::npos);
  };

  auto created = post_from(c, kBlog, kComment);
  CHECK(created.status == 200);
  readable(created);
  REQUIRE(post_from(c, kBlog, kComment).status == 200);
  auto page = c.request("GET", "/api/comment/list/7?limit=1", {}, {{"Origin", kBlog}});
  CHECK(page.status == 200);
  CHECK_FALSE(page.header("Link").empty());
  readable(page);
  // The browser revalidates the page it holds; a 304 without these would fail the fetch.
  REQUIRE_FALSE(page.header("ETag").empty());
  auto same = c.request("GET", "/api/comment/list/7?limit=1", {},
                        {{"Origin", kBlog}, {"If-None-Match", page.header("ETag")}});
  CHECK(same.status == 304);
  readable(same);

  auto invalid = post_from(c, kBlog, R"({"email":"a@example.com","comment":"  ","content_id":7})");
  CHECK(invalid.status == 400);
  readable(invalid);
  auto missing = c.request("GET", "/api/comment/list/404", {}, {{"Origin", kBlog}});
  CHECK(missing.status == 404);
  readable(missing);

  // Refused while reading, before routing: the page still learns why.
  HttpClient big(s.port());
  auto too_large = post_from(big, kBlog, std::string(2048, 'x'));
  CHECK(too_large.status == 413);
  readable(too_large);

  auto other = c.request("GET", "/api/comment/list/7", {}, {{"Origin", kOther}});
  CHECK(other.status == 200);
  CHECK(other.header("Access-Control-Allow-Origin").empty());
  CHECK(other.header("Vary") == "Origin");

  // Not the API: the widget files load with <script> and <link>, which need no CORS.
  auto script = c.request("GET", "/embed.js", {}, {{"Origin", kBlog}});
  CHECK(script.status == 200);
  CHECK(script.header("Access-Control-Allow-Origin").empty());
}

TEST_CASE("a rate-limited page reads its 429 and Retry-After; preflights are not limited") {
  ServiceProcess s({"--storage", "memory:", "--cors-origins", kBlog, "--rate-limit", "0.1",
                    "--rate-burst", "1"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  REQUIRE(post_from(c, kBlog, kComment).status == 200);
  auto limited = post_from(c, kBlog, kComment);
  CHECK(limited.status == 429);
  CHECK(limited.header("Access-Control-Allow-Origin") == kBlog);
  CHECK(limited.header("Access-Control-Expose-Headers").find("Retry-After") != std::string::npos);
  CHECK_FALSE(limited.header("Retry-After").empty());
  for (int i = 0; i < 5; ++i) {
    CHECK(preflight(c, "/api/comment/new", kBlog, "POST").status == 204);
  }
}

TEST_CASE("an asterisk lets any page call, without Vary") {
  ServiceProcess s({"--storage", "memory:", "--cors-origins", "*"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto pre = preflight(c, "/api/comment/new", kOther, "POST");
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == "*");
  CHECK(pre.header("Vary").empty());
  auto post = post_from(c, kOther, kComment);
  CHECK(post.header("Access-Control-Allow-Origin") == "*");
  CHECK(post.header("Vary").empty());
}

TEST_CASE("the admin listener answers neither preflights nor the widget's files") {
  ServiceProcess s({"--storage", "memory:", "--cors-origins", kBlog, "--admin-port", "0"});
  REQUIRE(s.wait_listening());
  REQUIRE(s.admin_port() != 0);
  HttpClient admin(s.admin_port());
  auto pre = preflight(admin, "/api/comment/new", kBlog, "POST");
  CHECK(pre.status == 404);
  CHECK(pre.header("Access-Control-Allow-Origin").empty());
  CHECK(admin.get("/embed.js").status == 404);
  CHECK(admin.get("/embed.css").status == 404);
  CHECK(admin.get("/healthz").status == 200);
  // The public port serves both.
  HttpClient pub(s.port());
  CHECK(preflight(pub, "/api/comment/new", kBlog, "POST").status == 204);
  CHECK(pub.get("/embed.js").status == 200);
}

TEST_CASE("a malformed --cors-origins stops the start with the format and exit code 2") {
  for (const std::string bad :
       {"https://blog.example.com/", "https://*.example.com", "*,https://blog.example.com"}) {
    CAPTURE(bad);
    auto r = run_service_command({"--storage", "memory:", "--cors-origins", bad});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--cors-origins") &&
                             Catch::Contains("'" + bad + "' must be origins separated by commas"));
  }
}
