// HTTP revalidation on PostgreSQL: replicas that read the same list give it the same ETag, so a
// client balanced between them revalidates with either; a comment taken by one replica changes
// the tag on that replica at once and on the others within the staleness bound, also when the
// other replica answered from its list cache and when it learnt of the comment only by dropping
// its whole cache after missed notifications: an old tag never gets a 304 for a changed list.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/http_client.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Texts = std::vector<std::string>;

namespace {

HttpResponse revalidate(std::uint16_t port, const std::string& tag,
                        const std::string& content = "article-9") {
  return HttpClient(port).request("GET", "/api/comment/list/" + content, {},
                                  {{"If-None-Match", tag}});
}

void post(std::uint16_t port, const std::string& text, const std::string& content) {
  REQUIRE(HttpClient(port).post_comment("c@example.com", text, json_string(content)).status == 200);
}

Texts texts(const HttpResponse& r) {
  Texts out;
  append_texts(r, out);
  return out;
}

// Revalidates tag on port until the answer is not a 304, for at most the staleness bound from
// `since`; returns the last answer.
HttpResponse revalidate_until_changed(std::uint16_t port, const std::string& tag,
                                      const std::string& content, Clock::time_point since) {
  HttpClient c(port);
  for (;;) {
    auto r = c.request("GET", "/api/comment/list/" + content, {}, {{"If-None-Match", tag}});
    if (r.status != 304 || Clock::now() - since >= kStalenessBound) {
      return r;
    }
  }
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
  // The other replica: within the staleness bound, and then with the same new tag.
  CHECK(eventually([&] { return revalidate(b, tag).status == 200; }, kStalenessBound));
  CHECK(HttpClient(b).get("/api/comment/list/article-9").header("ETag") == new_tag);
  CHECK(revalidate(a, new_tag).status == 304);
  CHECK(revalidate(b, new_tag).status == 304);
}

TEST_CASE(
    "after a comment on one replica, another replica's cached ETag gets a 200 with the new "
    "list within the bound") {
  const auto db = fresh_database();
  auto replicas = start_replicas(2, db);
  const auto a = replicas[0]->port();
  const auto b = replicas[1]->port();
  for (auto port : {a, b}) {
    REQUIRE(wait_ready(port));
    REQUIRE(eventually([&] { return synchronized(port); }, 10s));
  }
  post(a, "first", "cached");
  REQUIRE(eventually([&] { return cached_list(b, "cached") == Texts{"first"}; }, kStalenessBound));
  const auto old_tag = HttpClient(b).get("/api/comment/list/cached").header("ETag");
  CAPTURE(old_tag);
  REQUIRE(old_tag.size() > 2);

  // Control: B's 304 comes from its cache. A row added behind every replica's back (triggers
  // off, so no notification) is read by the uncached path (a page with a limit), yet B still
  // answers the old tag with a 304: only an invalidation of B's entry can change that answer.
  psql(db,
       "ALTER TABLE comments DISABLE TRIGGER USER; "
       "INSERT INTO comments (content_id, email, comment, created_at_ms) "
       "VALUES ('cached', 'x@example.com', 'unannounced', 0); "
       "ALTER TABLE comments ENABLE TRIGGER USER");
  REQUIRE(list_texts(b, "cached") == Texts{"first", "unannounced"});
  REQUIRE(revalidate(b, old_tag, "cached").status == 304);

  post(a, "second", "cached");
  const auto acked = Clock::now();
  auto r = revalidate_until_changed(b, old_tag, "cached", acked);
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - acked).count();
  INFO("B still answered 304 to its old tag " << waited << " ms after A's 200");
  REQUIRE(r.status == 200);
  CHECK(texts(r) == Texts{"first", "unannounced", "second"});
  const auto new_tag = r.header("ETag");
  CHECK(new_tag != old_tag);
  CHECK(new_tag == HttpClient(a).get("/api/comment/list/cached").header("ETag"));
  CHECK(revalidate(b, new_tag, "cached").status == 304);
  CHECK(revalidate(b, old_tag, "cached").status == 200);
}

TEST_CASE("a replica that missed notifications drops its cached ETags with its lists") {
  // B connects as a role of its own so that its change feed alone can be cut off; B starts
  // first, so that the tables it migrates are its role's.
  const std::string role = "etag_" + std::to_string(::getpid());
  const auto admin = fresh_database();
  auto b_process = start_replicas(1, as_owner(admin, role), {"--db-pool-size", "1"});
  const auto b = b_process[0]->port();
  REQUIRE(wait_ready(b));
  auto a_process = start_replicas(1, admin, {"--db-pool-size", "1"});
  const auto a = a_process[0]->port();
  REQUIRE(wait_ready(a));
  for (auto port : {a, b}) {
    REQUIRE(eventually([&] { return synchronized(port); }, 10s));
  }
  post(a, "first", "missed");
  REQUIRE(eventually([&] { return cached_list(b, "missed") == Texts{"first"}; }, kStalenessBound));
  const auto old_tag = HttpClient(b).get("/api/comment/list/missed").header("ETag");
  CAPTURE(old_tag);
  REQUIRE(revalidate(b, old_tag, "missed").status == 304);

  // A comment B is never told about: its feed is down when A commits it. B is not asked for the
  // list meanwhile, so the entry it cached before stays, unless the resync drops it.
  cut_off_change_feed(admin, role);
  REQUIRE(eventually([&] { return !synchronized(b); }, 5s));
  post(a, "second", "missed");
  allow_sessions(admin, role);
  REQUIRE(eventually([&] { return synchronized(b); }, 10s));
  CHECK(metric(b, "list_cache_resyncs_total") == 1);

  auto r = revalidate(b, old_tag, "missed");
  REQUIRE(r.status == 200);
  CHECK(texts(r) == Texts{"first", "second"});
  CHECK(r.header("ETag") != old_tag);
  CHECK(r.header("ETag") == HttpClient(a).get("/api/comment/list/missed").header("ETag"));
}
