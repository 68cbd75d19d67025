// Unit tests of the asynchronous storage façade: group commit, ordering, overload, failures.
#include "service/store/storage.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "service/metrics/metrics.hpp"
#include "service/store/memory_backend.hpp"

using namespace comments::store;
namespace asio = boost::asio;

namespace {

// Wraps the real memory backend to observe how it is called, and to make it slow or fail.
class ObservedBackend : public MemoryBackend {  // moderation: the base (unused here)
 public:
  std::string_view name() const override { return "observed"; }
  bool exclusive() const override { return true; }
  std::vector<std::int64_t> append(std::span<const NewComment> batch) override {
    if (gate.valid()) {
      gate.wait();
    }
    if (failing) {
      throw StoreError(errc::unavailable, "disk on fire");
    }
    transactions.fetch_add(1);
    largest = std::max<std::size_t>(largest, batch.size());
    return inner.append(batch);
  }
  Page list(std::string_view c, std::int64_t after, std::size_t limit) override {
    if (failing) {
      throw StoreError(errc::unavailable, "disk on fire");
    }
    return inner.list(c, after, limit);
  }
  void ping() override {
    if (failing) {
      throw StoreError(errc::unavailable, "disk on fire");
    }
  }

  MemoryBackend inner;
  std::atomic<int> transactions{0};
  std::atomic<std::size_t> largest{0};
  std::atomic<bool> failing{false};
  std::shared_future<void> gate;
};

comments::metrics::Metrics& test_metrics() {
  static comments::metrics::Metrics m({"r"}, "test", "test");
  return m;
}

}  // namespace

TEST_CASE("concurrent appends are group-committed and each gets its id") {
  auto backend = std::make_unique<ObservedBackend>();
  auto* observed = backend.get();
  std::promise<void> open_gate;
  observed->gate = open_gate.get_future().share();
  Storage storage(std::move(backend), {}, test_metrics());
  // The listener runs on the writer thread while acknowledged writers read what it saw.
  std::mutex seen_mutex;
  std::vector<std::string> committed_before_ack;
  storage.on_commit([&](std::span<const NewComment> batch) {
    std::lock_guard lock(seen_mutex);
    for (const auto& c : batch) {
      committed_before_ack.push_back(c.text);
    }
  });

  asio::io_context ioc;
  constexpr int kWriters = 200;
  std::vector<std::int64_t> ids(kWriters, 0);
  int acked = 0;
  for (int i = 0; i < kWriters; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          NewComment c{"c", "w@example.com", std::to_string(i), 0};
          auto [ec, id] =
              co_await storage.async_append(std::move(c), asio::as_tuple(asio::use_awaitable));
          REQUIRE_FALSE(ec);
          // The listener saw this comment before it was acknowledged.
          std::lock_guard lock(seen_mutex);
          CHECK(std::find(committed_before_ack.begin(), committed_before_ack.end(),
                          std::to_string(i)) != committed_before_ack.end());
          ids[static_cast<std::size_t>(i)] = id;
          ++acked;
        },
        asio::detached);
  }
  ioc.run_for(std::chrono::milliseconds(100));  // queue everything while the first commit is held
  open_gate.set_value();
  ioc.restart();
  ioc.run_for(std::chrono::seconds(10));
  CHECK(acked == kWriters);
  CHECK(observed->transactions.load() < kWriters / 2);
  CHECK(observed->largest.load() > 1);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(ids.front() > 0);
  CHECK(observed->inner.list("c", 0, 1000).comments.size() == kWriters);
}

TEST_CASE("a batch completes each request on its own io thread; a blocked poster's gets blocked") {
  auto backend = std::make_unique<ObservedBackend>();
  auto* observed = backend.get();
  observed->inner.add_block(Block{0, "email", "bad@example.com", 0},
                            AuditEntry{0, 0, "test", "block", "email bad@example.com"});
  std::promise<void> open_gate;
  observed->gate = open_gate.get_future().share();
  Storage storage(std::move(backend), {}, test_metrics());
  std::mutex seen_mutex;
  std::vector<std::string> heard;
  storage.on_commit([&](std::span<const NewComment> batch) {
    std::lock_guard lock(seen_mutex);
    for (const auto& c : batch) {
      heard.push_back(c.text);
    }
  });

  // Two io threads, as the service runs one per core; every other writer is the blocked poster.
  constexpr int kWriters = 40;
  std::array<asio::io_context, 2> contexts;
  std::array<std::thread::id, 2> threads{};
  std::vector<boost::system::error_code> codes(kWriters);
  std::vector<std::int64_t> ids(kWriters, -1);
  std::atomic<int> on_wrong_thread{0};
  for (int i = 0; i < kWriters; ++i) {
    const auto k = static_cast<std::size_t>(i % 2);
    asio::co_spawn(
        contexts[k],
        [&, i, k]() -> asio::awaitable<void> {
          const bool bad = i % 4 < 2;
          NewComment c{"b", bad ? "bad@example.com" : "ok@example.com", std::to_string(i), 0};
          c.poster = {c.email, "192.0.2.1"};
          auto [ec, id] =
              co_await storage.async_append(std::move(c), asio::as_tuple(asio::use_awaitable));
          if (std::this_thread::get_id() != threads[k]) {
            on_wrong_thread.fetch_add(1);
          }
          codes[static_cast<std::size_t>(i)] = ec;
          ids[static_cast<std::size_t>(i)] = id;
        },
        asio::detached);
  }
  std::vector<std::thread> runners;
  for (std::size_t k = 0; k < contexts.size(); ++k) {
    // Each context queues its writers, then waits for the gate's batch to complete them.
    auto guard = asio::make_work_guard(contexts[k]);
    runners.emplace_back([&, k, g = std::move(guard)]() mutable {
      threads[k] = std::this_thread::get_id();
      contexts[k].run_for(std::chrono::milliseconds(100));
      g.reset();
      contexts[k].restart();
      contexts[k].run_for(std::chrono::seconds(10));
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  open_gate.set_value();
  for (auto& t : runners) {
    t.join();
  }
  CHECK(on_wrong_thread.load() == 0);
  std::vector<std::string> stored;
  for (int i = 0; i < kWriters; ++i) {
    CAPTURE(i);
    const auto u = static_cast<std::size_t>(i);
    if (i % 4 < 2) {
      CHECK(codes[u] == errc::blocked);
      CHECK(ids[u] == 0);
    } else {
      CHECK_FALSE(codes[u]);
      CHECK(ids[u] > 0);
      stored.push_back(std::to_string(i));
    }
  }
  std::sort(stored.begin(), stored.end());
  std::sort(heard.begin(), heard.end());
  CHECK(heard == stored);  // the cache hears only of what was stored
  CHECK(observed->inner.list("b", 0, 1000).comments.size() == stored.size());
}

TEST_CASE("a failing backend fails requests with unavailable and turns unhealthy, then recovers") {
  auto backend = std::make_unique<ObservedBackend>();
  auto* observed = backend.get();
  observed->failing = true;
  Storage storage(std::move(backend), {.health_interval = std::chrono::milliseconds(20)},
                  test_metrics());
  asio::io_context ioc;
  boost::system::error_code append_ec;
  boost::system::error_code list_ec;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        NewComment c{"c", "a@example.com", "x", 0};
        auto [e1, id] =
            co_await storage.async_append(std::move(c), asio::as_tuple(asio::use_awaitable));
        append_ec = e1;
        auto [e2, page] =
            co_await storage.async_list("c", 0, 10, asio::as_tuple(asio::use_awaitable));
        list_ec = e2;
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(5));
  CHECK(append_ec == errc::unavailable);
  CHECK(list_ec == errc::unavailable);
  CHECK_FALSE(storage.healthy());
  CHECK_THAT(storage.last_error(), Catch::Contains("disk on fire"));
  observed->failing = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!storage.healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(storage.healthy());
}

TEST_CASE("writes beyond the queue bound are refused at once, not queued") {
  auto backend = std::make_unique<ObservedBackend>();
  std::promise<void> open_gate;
  backend->gate = open_gate.get_future().share();
  Storage storage(std::move(backend), {.max_batch = 4, .max_queued = 8}, test_metrics());
  asio::io_context ioc;
  int overloaded = 0;
  int stored = 0;
  for (int i = 0; i < 40; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          NewComment c{"c", "a@example.com", "x", 0};
          auto [ec, id] =
              co_await storage.async_append(std::move(c), asio::as_tuple(asio::use_awaitable));
          (ec == errc::overloaded ? overloaded : stored) += 1;
        },
        asio::detached);
  }
  ioc.run_for(std::chrono::milliseconds(200));
  CHECK(overloaded >= 40 - 8 - 4);
  open_gate.set_value();
  ioc.restart();
  ioc.run_for(std::chrono::seconds(5));
  CHECK(overloaded + stored == 40);
  CHECK(stored >= 8);
}

TEST_CASE("stop commits what is queued before returning") {
  auto backend = std::make_unique<ObservedBackend>();
  auto* observed = backend.get();
  Storage storage(std::move(backend), {}, test_metrics());
  asio::io_context ioc;
  for (int i = 0; i < 50; ++i) {
    storage.async_append(NewComment{"c", "a@example.com", "x", 0},
                         asio::bind_executor(ioc, [](auto, auto) {}));
  }
  storage.stop();
  CHECK(observed->inner.list("c", 0, 100).comments.size() == 50);
}
