// HTTP revalidation against the real binary: list responses carry a strong ETag and
// Cache-Control: no-cache, If-None-Match gets a 304 without a body (from the list cache, without
// reading storage), and the tag changes exactly when the list changes.
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;

namespace {

const std::string kList = "/api/comment/list/";

HttpResponse get_if_none_match(HttpClient& c, const std::string& target, const std::string& tags,
                               const std::string& method = "GET") {
  return c.request(method, target, {}, {{"If-None-Match", tags}});
}

// The value of one series in the exposition, -1 when it is absent.
double metric(HttpClient& c, const std::string& series) {
  std::istringstream lines(c.get("/metrics").body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("list responses carry an ETag that changes exactly when the list changes") {
  const std::string backend = GENERATE("memory", "sqlite");
  CAPTURE(backend);
  TempDir dir;
  const std::string url = backend == "memory" ? "memory:" : "sqlite:" + (dir / "c.db").string();
  auto service = std::make_unique<ServiceProcess>(
      std::vector<std::string>{"--storage", url, "--log-level", "warn"});
  REQUIRE(service->wait_listening());
  auto client = std::make_unique<HttpClient>(service->port());
  auto& c = *client;

  REQUIRE(c.post_comment("a@example.com", "one", "\"a\"").status == 200);
  REQUIRE(c.post_comment("b@example.com", "two", "\"a\"").status == 200);
  REQUIRE(c.post_comment("c@example.com", "other", "\"b\"").status == 200);

  auto first = c.get(kList + "a");
  REQUIRE(first.status == 200);
  const auto tag = first.header("ETag");
  CAPTURE(tag);
  REQUIRE(tag.size() > 2);
  CHECK(tag.front() == '"');  // strong: no W/ prefix
  CHECK(tag.back() == '"');
  CHECK(first.header("Cache-Control") == "no-cache");
  CHECK(c.get(kList + "a").header("ETag") == tag);  // from the cache now: the same tag
  CHECK(c.get(kList + "b").header("ETag") != tag);  // another list, another tag

  const std::string list_reads =
      "storage_operation_duration_seconds_count{backend=\"" + backend + "\",operation=\"list\"}";
  const double reads_before = metric(c, list_reads);
  REQUIRE(reads_before >= 1);

  SECTION("If-None-Match with the tag: 304, no body, from the cache") {
    for (const std::string method : {"GET", "HEAD"}) {
      auto r = get_if_none_match(c, kList + "a", tag, method);
      CAPTURE(method);
      CHECK(r.status == 304);
      CHECK(r.body.empty());
      CHECK(r.header("ETag") == tag);
      CHECK(r.header("Cache-Control") == "no-cache");
      CHECK(r.header("Content-Length").empty());  // 0 would be a lie about the 200's length
    }
    CHECK(get_if_none_match(c, kList + "a", "\"stale\", " + tag).status == 304);
    CHECK(get_if_none_match(c, kList + "a", "W/" + tag).status == 304);
    CHECK(get_if_none_match(c, kList + "a", "*").status == 304);
    CHECK(metric(c, list_reads) == reads_before);  // not one storage read for all of these
    CHECK(metric(c,
                 "http_requests_total{code=\"304\",method=\"GET\",route=\"/api/comment/list/"
                 "{content_id}\"}") == 4);
  }

  SECTION("another tag, or none that parses, gets the whole list") {
    auto other = get_if_none_match(c, kList + "a", "\"0123\"");
    CHECK(other.status == 200);
    CHECK(other.json().as_array().size() == 2);
    CHECK(other.header("ETag") == tag);
    CHECK(get_if_none_match(c, kList + "a", tag.substr(1)).status == 200);
  }

  SECTION("a comment on another content leaves the tag; one on this content changes it") {
    REQUIRE(c.post_comment("d@example.com", "more", "\"b\"").status == 200);
    CHECK(get_if_none_match(c, kList + "a", tag).status == 304);
    REQUIRE(c.post_comment("e@example.com", "three", "\"a\"").status == 200);
    auto changed = get_if_none_match(c, kList + "a", tag);
    REQUIRE(changed.status == 200);
    CHECK(changed.json().as_array().size() == 3);
    const auto new_tag = changed.header("ETag");
    CHECK(new_tag != tag);
    CHECK(new_tag.size() == tag.size());
    CHECK(get_if_none_match(c, kList + "a", new_tag).status == 304);
    CHECK(get_if_none_match(c, kList + "a", tag).status == 200);  // the old tag never again
  }

  SECTION("pages carry their own tags and revalidate too") {
    auto page = c.get(kList + "a?limit=1");
    REQUIRE(page.status == 200);
    const auto page_tag = page.header("ETag");
    CHECK(page_tag.size() == tag.size());
    CHECK(page_tag != tag);
    CHECK(page.header("Cache-Control") == "no-cache");
    CHECK(get_if_none_match(c, kList + "a?limit=1", page_tag).status == 304);
    CHECK(get_if_none_match(c, kList + "a?limit=2", page_tag).status == 200);
  }

  SECTION("an unknown content is a 404, whatever If-None-Match says") {
    auto missing = get_if_none_match(c, kList + "nobody", "*");
    CHECK(missing.status == 404);
    CHECK(missing.header("ETag").empty());
    CHECK(missing.header("Cache-Control") == "no-cache");
  }

  if (backend == "sqlite") {
    SECTION("the tag is the list's, not the process's: a restart on the same file keeps it") {
      client.reset();
      service.reset();
      ServiceProcess again({"--storage", url, "--log-level", "warn"});
      REQUIRE(again.wait_listening());
      HttpClient c2(again.port());
      CHECK(get_if_none_match(c2, kList + "a", tag).status == 304);
      CHECK(c2.get(kList + "a").header("ETag") == tag);
    }
  }
}
