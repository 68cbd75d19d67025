// Durability and concurrency against the real binary on a real SQLite file: restarts, kill -9
// during writes, many concurrent writers. Every acknowledged comment must be there afterwards.
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

#include "tests/service/support/crash_writers.hpp"
#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> list_all(std::uint16_t port, const std::string& content) {
  HttpClient c(port);
  std::vector<std::string> out;
  walk_pages(c, "/api/comment/list/" + content + "?limit=1000", [&](const HttpResponse& r) {
    if (r.status == 404) {
      return false;
    }
    REQUIRE(r.status == 200);
    const auto page = r.json();
    for (const auto& v : page.as_array()) {
      out.emplace_back(v.at("comment").as_string());
    }
    return true;
  });
  return out;
}

}  // namespace

TEST_CASE("comments survive a restart") {
  TempDir dir;
  const auto db = "sqlite:" + (dir / "comments.db").string();
  {
    ServiceProcess s({"--storage", db});
    REQUIRE(s.wait_listening());
    HttpClient c(s.port());
    for (int i = 0; i < 3; ++i) {
      REQUIRE(c.post_comment("a@example.com", "kept " + std::to_string(i), "1").status == 200);
    }
    s.signal(SIGTERM);
    REQUIRE(s.wait_exit() == 0);
  }
  ServiceProcess again({"--storage", db});
  REQUIRE(again.wait_listening());
  CHECK(list_all(again.port(), "1") == std::vector<std::string>{"kept 0", "kept 1", "kept 2"});
}

TEST_CASE("a second service on the same SQLite file is refused with a clear message") {
  TempDir dir;
  const auto db = "sqlite:" + (dir / "comments.db").string();
  ServiceProcess first({"--storage", db});
  REQUIRE(first.wait_listening());
  auto second = run_service_command({"--storage", db, "--port", "0", "--listen", "127.0.0.1"});
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.output, Catch::Contains("in use by another process"));
}

TEST_CASE("50 concurrent writers lose nothing and each writer's comments stay in order") {
  TempDir dir;
  ServiceProcess s(
      {"--storage", "sqlite:" + (dir / "comments.db").string(), "--log-level", "warn"});
  REQUIRE(s.wait_listening());
  constexpr int kWriters = 50;
  constexpr int kEach = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient c(s.port());
      for (int i = 0; i < kEach; ++i) {
        auto r = c.post_comment("w" + std::to_string(w) + "@example.com",
                                std::to_string(w) + ":" + std::to_string(i), "\"shared\"");
        if (r.status != 200) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  CHECK(failures.load() == 0);
  auto all = list_all(s.port(), "shared");
  REQUIRE(all.size() == kWriters * kEach);
  std::vector<int> next(kWriters, 0);
  for (const auto& c : all) {
    const int w = std::stoi(c.substr(0, c.find(':')));
    const int i = std::stoi(c.substr(c.find(':') + 1));
    CHECK(i == next[static_cast<std::size_t>(w)]);
    next[static_cast<std::size_t>(w)] = i + 1;
  }
}

TEST_CASE("kill -9 during writes loses no acknowledged comment") {
  TempDir dir;
  const auto db = "sqlite:" + (dir / "comments.db").string();
  std::set<std::string> acknowledged;
  {
    ServiceProcess s({"--storage", db, "--log-level", "warn"});
    REQUIRE(s.wait_listening());
    CrashWriters writers(s.port(), "\"crash\"");
    REQUIRE(eventually([&] { return writers.acknowledged_count() >= 500; }, 20s));
    s.signal(SIGKILL);
    REQUIRE(s.wait_exit() == 128 + SIGKILL);
    acknowledged = writers.stop();
  }
  ServiceProcess again({"--storage", db, "--log-level", "warn"});
  REQUIRE(again.wait_listening());
  auto all = list_all(again.port(), "crash");
  std::set<std::string> stored(all.begin(), all.end());
  std::size_t missing = 0;
  for (const auto& a : acknowledged) {
    missing += stored.count(a) == 0 ? 1 : 0;
  }
  INFO("acknowledged " << acknowledged.size() << ", stored " << stored.size());
  CHECK(missing == 0);
  CHECK(stored.size() >= acknowledged.size());
}
