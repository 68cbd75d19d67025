// Unit tests of the list cache: hits, invalidation, stale puts dropped, byte budget.
#include "service/api/list_cache.hpp"

#include <catch2/catch.hpp>

using comments::api::CachedList;
using comments::api::ListCache;

namespace {
ListCache::Entry entry(std::string body) {
  return std::make_shared<const CachedList>(CachedList{std::move(body), {}, {}});
}
}  // namespace

TEST_CASE("a put list is served until its content is invalidated") {
  ListCache cache(1 << 20);
  CHECK(cache.get("1") == nullptr);
  cache.put("1", cache.ticket("1"), entry("[1]"));
  REQUIRE(cache.get("1") != nullptr);
  CHECK(cache.get("1")->body == "[1]");
  CHECK(cache.get("2") == nullptr);
  cache.invalidate("1");
  CHECK(cache.get("1") == nullptr);
}

TEST_CASE("a put whose ticket predates an invalidation is dropped") {
  ListCache cache(1 << 20);
  const auto stale = cache.ticket("7");
  cache.invalidate("7");  // a comment committed while the reader was reading storage
  cache.put("7", stale, entry("[old]"));
  CHECK(cache.get("7") == nullptr);
  cache.put("7", cache.ticket("7"), entry("[new]"));
  CHECK(cache.get("7")->body == "[new]");
}

TEST_CASE("the cache stays within its byte budget, evicting least recently used lists") {
  ListCache cache(32 * 4096);  // 4 KiB per shard
  for (int i = 0; i < 2000; ++i) {
    const auto key = std::to_string(i);
    cache.put(key, cache.ticket(key), entry(std::string(500, 'x')));
  }
  CHECK(cache.bytes() <= 32 * 4096);
  CHECK(cache.get("1999") != nullptr);
  CHECK(cache.get("0") == nullptr);
}

TEST_CASE("a disabled cache stores nothing") {
  ListCache cache(0);
  CHECK_FALSE(cache.enabled());
  cache.put("1", cache.ticket("1"), entry("[]"));
  CHECK(cache.get("1") == nullptr);
}

TEST_CASE("clear drops every list and every put whose ticket came before it") {
  ListCache cache(1 << 20);
  cache.put("1", cache.ticket("1"), entry("[1]"));
  cache.put("2", cache.ticket("2"), entry("[2]"));
  const auto before = cache.ticket("3");
  cache.clear();
  CHECK(cache.get("1") == nullptr);
  CHECK(cache.get("2") == nullptr);
  CHECK(cache.bytes() == 0);
  cache.put("3", before, entry("[3]"));
  CHECK(cache.get("3") == nullptr);
  cache.put("3", cache.ticket("3"), entry("[3]"));
  CHECK(cache.get("3") != nullptr);
}

TEST_CASE("lists are served only until the time serve_until names") {
  using Clock = std::chrono::steady_clock;
  ListCache cache(1 << 20);
  cache.put("1", cache.ticket("1"), entry("[1]"));
  CHECK(cache.get("1") != nullptr);  // until told otherwise: forever (SQLite, memory)
  cache.serve_until(Clock::now() + std::chrono::hours(1));
  CHECK(cache.get("1") != nullptr);
  cache.serve_until(Clock::now() - std::chrono::milliseconds(1));
  CHECK(cache.get("1") == nullptr);
  cache.serve_until({});
  CHECK(cache.get("1") == nullptr);
  cache.serve_until(Clock::time_point::max());
  CHECK(cache.get("1") != nullptr);  // kept meanwhile
}
