// Unit tests of cache coherence: change reports become invalidations, drops and serving windows,
// and the list_cache_synchronized gauge and resync counter follow them.
#include "service/api/cache_coherence.hpp"

#include <catch2/catch.hpp>

#include "service/store/memory_backend.hpp"

using comments::api::CacheCoherence;
using comments::api::CachedList;
using comments::api::ListCache;
using Clock = std::chrono::steady_clock;

namespace {

void fill(ListCache& cache, const std::string& id) {
  cache.put(id, cache.ticket(id),
            std::make_shared<const CachedList>(CachedList{"[" + id + "]", {}, {}}));
}

}  // namespace

TEST_CASE("change reports keep the list cache coherent and say when it is not") {
  comments::metrics::Metrics metrics({"r"}, "test", "test");
  ListCache cache(1 << 20);
  CacheCoherence coherence(cache, metrics);
  CHECK(metrics.list_cache_synchronized().Value() == 0);

  coherence.out_of_sync("not listening yet");
  fill(cache, "a");
  CHECK(cache.get("a") == nullptr);  // nothing is served before the first report
  coherence.changed_all();
  CHECK(metrics.list_cache_resyncs().Value() == 0);  // the first sync is not a resync
  coherence.in_sync_until(Clock::now() + std::chrono::seconds(5));
  CHECK(metrics.list_cache_synchronized().Value() == 1);

  fill(cache, "a");
  fill(cache, "b");
  CHECK(cache.get("a") != nullptr);
  const std::vector<std::string> changed{"a"};
  coherence.changed(changed);
  CHECK(cache.get("a") == nullptr);
  CHECK(cache.get("b") != nullptr);

  coherence.out_of_sync("the server ended the session");
  CHECK(metrics.list_cache_synchronized().Value() == 0);
  CHECK(cache.get("b") == nullptr);  // at once, not when the lease runs out
  coherence.changed_all();           // listening again: what was missed is unknown
  CHECK(metrics.list_cache_resyncs().Value() == 1);
  coherence.in_sync_until(Clock::now() + std::chrono::seconds(5));
  CHECK(cache.get("b") == nullptr);  // dropped by the resync
  CHECK(metrics.list_cache_synchronized().Value() == 1);
}

TEST_CASE("a backend no other process writes keeps the cache in sync for good") {
  comments::metrics::Metrics metrics({"r"}, "test", "test");
  ListCache cache(1 << 20);
  CacheCoherence coherence(cache, metrics);
  struct Exclusive : comments::store::MemoryBackend {
    std::string_view name() const override { return "exclusive"; }
    bool exclusive() const override { return true; }
    std::vector<std::int64_t> append(std::span<const comments::store::NewComment>) override {
      return {};
    }
    comments::store::Page list(std::string_view, std::int64_t, std::size_t) override { return {}; }
    void ping() override {}
  } backend;
  backend.watch(coherence);
  fill(cache, "a");
  CHECK(cache.get("a") != nullptr);
  CHECK(metrics.list_cache_synchronized().Value() == 1);
}
