// The behavioural suite every storage backend must pass, written once and run against each.
// PostgreSQL joins the list when COMMENTS_TEST_POSTGRES_URL names a server (tests/service/README).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>

#include "service/store/backend.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::store;
using comments::testing::TempDir;

namespace {

std::vector<std::string> backend_names() {
  std::vector<std::string> names{"memory", "sqlite"};
  if (const char* pg = std::getenv("COMMENTS_TEST_POSTGRES_URL"); pg != nullptr && *pg != '\0') {
    names.emplace_back("postgresql");
  }
  return names;
}

std::unique_ptr<Backend> open_backend(const std::string& name, const TempDir& dir) {
  if (name == "memory") {
    return open("memory:", {});
  }
  if (name == "sqlite") {
    return open("sqlite:" + (dir / "comments.db").string(), {});
  }
  return open(std::getenv("COMMENTS_TEST_POSTGRES_URL"), {});
}

// A content id no other run has used, so a shared PostgreSQL database needs no cleaning.
std::string fresh_content(const std::string& base) {
  static int n = 0;
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

NewComment comment(const std::string& content, const std::string& email, const std::string& text) {
  return NewComment{content, email, text, 1'700'000'000'123};
}

}  // namespace

TEST_CASE("backends store comments in insertion order, per content") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto a = fresh_content("a");
  const auto other = fresh_content("b");

  std::vector<NewComment> batch{comment(a, "1@example.com", "one"), comment(other, "x@example.com", "x"),
                                comment(a, "2@example.com", "two")};
  auto ids = b->append(batch);
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] < ids[1]);
  CHECK(ids[1] < ids[2]);
  auto more = b->append(std::vector<NewComment>{comment(a, "3@example.com", "three")});
  REQUIRE(more.size() == 1);
  CHECK(more[0] > ids[2]);

  auto page = b->list(a, 0, 100);
  REQUIRE(page.comments.size() == 3);
  CHECK(page.comments[0].text == "one");
  CHECK(page.comments[1].text == "two");
  CHECK(page.comments[2].text == "three");
  CHECK(page.comments[0].email == "1@example.com");
  CHECK(page.comments[0].created_at_ms == 1'700'000'000'123);
  CHECK(page.comments[0].id == ids[0]);
  CHECK(b->list(other, 0, 100).comments.size() == 1);
  CHECK(b->list(fresh_content("none"), 0, 100).comments.empty());
}

TEST_CASE("backends page with after-id and limit") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto c = fresh_content("paged");
  std::vector<NewComment> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(comment(c, "p@example.com", "c" + std::to_string(i)));
  }
  b->append(batch);
  auto first = b->list(c, 0, 4);
  REQUIRE(first.comments.size() == 4);
  auto second = b->list(c, first.comments.back().id, 4);
  REQUIRE(second.comments.size() == 4);
  CHECK(second.comments[0].text == "c4");
  auto last = b->list(c, second.comments.back().id, 4);
  REQUIRE(last.comments.size() == 2);
  CHECK(last.comments[1].text == "c9");
  CHECK(b->list(c, last.comments.back().id, 4).comments.empty());
}

TEST_CASE("backends count what they list, per content, 0 for a content without comments") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto three = fresh_content("three");
  const auto one = fresh_content("one");
  const auto none = fresh_content("none");
  b->append(std::vector<NewComment>{comment(three, "a@example.com", "1"),
                                    comment(one, "b@example.com", "x"),
                                    comment(three, "c@example.com", "2")});
  b->append(std::vector<NewComment>{comment(three, "a@example.com", "3")});
  const std::vector<std::string> ids{none, three, one, three};
  const auto counts = b->count(ids);
  REQUIRE(counts.size() == ids.size());
  CHECK(counts == std::vector<std::int64_t>{0, 3, 1, 3});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(counts[i] == static_cast<std::int64_t>(b->list(ids[i], 0, 1000).comments.size()));
  }
  CHECK(b->count(std::vector<std::string>{}).empty());
}

TEST_CASE("backends keep text byte for byte") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto c = fresh_content("bytes");
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x98\x80 'quote' \"dq\" \\ \n\t end; DROP TABLE comments;--";
  b->append(std::vector<NewComment>{comment(c, "u@example.com", text)});
  auto page = b->list(c, 0, 10);
  REQUIRE(page.comments.size() == 1);
  CHECK(page.comments[0].text == text);
}

TEST_CASE("backends answer ping while usable") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  CHECK_NOTHROW(b->ping());
}

TEST_CASE("SQLite keeps comments across reopening the file") {
  TempDir dir;
  const auto url = "sqlite:" + (dir / "sub" / "comments.db").string();
  {
    auto b = open(url, {});
    b->append(std::vector<NewComment>{comment("1", "a@example.com", "kept")});
  }
  auto again = open(url, {});
  auto page = again->list("1", 0, 10);
  REQUIRE(page.comments.size() == 1);
  CHECK(page.comments[0].text == "kept");
}

TEST_CASE("SQLite refuses a file another process-level owner holds") {
  TempDir dir;
  const auto url = "sqlite:" + (dir / "comments.db").string();
  auto owner = open(url, {});
  try {
    auto second = open(url, {});
    FAIL("a second owner was allowed");
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains("in use by another process"));
  }
}

TEST_CASE("storage URLs are checked") {
  CHECK_THROWS_AS(open("sqlite:", {}), std::invalid_argument);
  CHECK_THROWS_AS(open("mysql://x", {}), std::invalid_argument);
  CHECK_THROWS_WITH(open("redis:", {}), Catch::Contains("unknown storage URL"));
}
