// HTTP revalidation on PostgreSQL: replicas that read the same list give it the same ETag, so a
// client balanced between them revalidates with either; a comment taken by one replica changes
// the tag on that replica at once and on the others within their staleness bound.
#include <catch2/catch.hpp>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/http_client.hpp"

using namespace comments::testing;

namespace {

HttpResponse revalidate(std::uint16_t port, const std::string& tag) {
  return HttpClient(port).request("GET", "/api/comment/list/article-9", {}, {{"If-None-Match", tag}});
}

}  // namespace

TEST_CASE("two replicas give a list the same ETag, and a write on one changes it on both") {
  const auto db = fresh_database();
  auto replicas = start_replicas(2, db);
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  const auto a = replicas[0]->port();
  const auto b = replicas[1]->port();
  REQUIRE(HttpClient(a).post_comment("a@example.com", "one", "\"article-9\"").status == 200);
  REQUIRE(HttpClient(b).post_comment("b@example.com", "two", "\"article-9\"").status == 200);

  auto from_a = HttpClient(a).get("/api/comment/list/article-9");
  REQUIRE(from_a.status == 200);
  const auto tag = from_a.header("ETag");
  CAPTURE(tag);
  REQUIRE(tag.size() > 2);
  CHECK(from_a.header("Cache-Control") == "no-cache");
  CHECK(HttpClient(b).get("/api/comment/list/article-9").header("ETag") == tag);

  for (auto port : {a, b}) {
    auto r = revalidate(port, tag);
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.header("ETag") == tag);
  }

  REQUIRE(HttpClient(a).post_comment("c@example.com", "three", "\"article-9\"").status == 200);
  // The replica that took the comment: at once (read-your-writes).
  auto on_a = revalidate(a, tag);
  REQUIRE(on_a.status == 200);
  CHECK(on_a.json().as_array().size() == 3);
  const auto new_tag = on_a.header("ETag");
  CHECK(new_tag != tag);
  // The other replica: within its staleness bound, and then with the same new tag.
  CHECK(eventually([&] { return revalidate(b, tag).status == 200; }, std::chrono::seconds(5)));
  CHECK(HttpClient(b).get("/api/comment/list/article-9").header("ETag") == new_tag);
  CHECK(revalidate(a, new_tag).status == 304);
  CHECK(revalidate(b, new_tag).status == 304);
}
