// List caches across replicas (each test its own database on the fixture's server): a comment
// posted on one replica reaches another's cache within the bound; without change notifications
// a replica serves uncached, never stale, and recovers by itself; ordering is unchanged.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/http_client.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Texts = std::vector<std::string>;

namespace {

void post(const ServiceProcess& s, const std::string& text, const std::string& content) {
  auto r = HttpClient(s.port()).post_comment("c@example.com", text, json_string(content));
  REQUIRE(r.status == 200);
}

}  // namespace

TEST_CASE("a comment posted on one replica is in another replica's cached list within the bound") {
  const auto db = fresh_database();
  auto replicas = start_replicas(2, db);
  auto& a = *replicas[0];
  auto& b = *replicas[1];
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
    REQUIRE(eventually([&] { return synchronized(r->port()); }, 10s));
  }
  post(a, "first", "bound");
  REQUIRE(eventually([&] { return cached_list(b.port(), "bound") == Texts{"first"}; },
                     kStalenessBound));

  // Control: B really answers from its cache. B caches a list of its own write (its own
  // notification is skipped, so nothing can invalidate that entry later); a row then added
  // behind every replica's back (triggers off, so no notification) is not in B's cached list,
  // though the uncached path (a page with a limit) reads it.
  post(b, "mine", "control");
  REQUIRE(cached_list(b.port(), "control") == Texts{"mine"});
  psql(db,
       "ALTER TABLE comments DISABLE TRIGGER USER; "
       "INSERT INTO comments (content_id, email, comment, created_at_ms) "
       "VALUES ('control', 'x@example.com', 'unannounced', 0); "
       "ALTER TABLE comments ENABLE TRIGGER USER");
  CHECK(cached_list(b.port(), "control") == Texts{"mine"});
  CHECK(list_texts(b.port(), "control") == Texts{"mine", "unannounced"});

  // Each comment acknowledged by A, then polled for on B's cached list.
  std::vector<long> delays_us;
  HttpClient poll(b.port());
  for (int i = 0; i < 40; ++i) {
    const std::string text = "n" + std::to_string(i);
    post(a, text, "bound");
    const auto acked = Clock::now();
    bool seen = false;
    while (!seen && Clock::now() - acked < kStalenessBound) {
      const auto page = poll.get("/api/comment/list/bound").json().as_array();
      seen = !page.empty() && comments::testing::text(page.back().at("comment")) == text;
    }
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - acked).count();
    INFO("comment " << i << " appeared on B after " << us << " us");
    CHECK(seen);
    delays_us.push_back(us);
  }
  std::sort(delays_us.begin(), delays_us.end());
  WARN("A's 200 to B's cached list: median " << delays_us[delays_us.size() / 2] << " us, max "
                                             << delays_us.back() << " us");
  // Ordering: the same list on both replicas, cached and uncached.
  CHECK(cached_list(a.port(), "bound") == cached_list(b.port(), "bound"));
  CHECK(cached_list(b.port(), "bound") == list_texts(b.port(), "bound"));
}

TEST_CASE(
    "without its notification session a replica serves lists uncached, never stale, and "
    "recovers by itself") {
  // B connects as a role of its own, so that its sessions can be told apart and limited; A as
  // the administrator. B starts first, so that the tables it migrates are its role's.
  const std::string role = "svc_" + std::to_string(::getpid());
  const auto admin = fresh_database();
  auto b_process = start_replicas(1, as_owner(admin, role), {"--db-pool-size", "1"});
  auto& b = *b_process[0];
  REQUIRE(wait_ready(b.port()));
  auto a_process = start_replicas(1, admin, {"--db-pool-size", "1"});
  auto& a = *a_process[0];
  REQUIRE(wait_ready(a.port()));
  for (auto* r : {&a, &b}) {
    REQUIRE(eventually([&] { return synchronized(r->port()); }, 10s));
    post(*r, "warm", "kill");
  }
  REQUIRE(eventually([&] { return cached_list(b.port(), "kill").size() == 2; }, kStalenessBound));
  // Kill B's notification session and keep it from coming back for now: B's role may hold only
  // the sessions it has apart from that one (its reader and its writer).
  cut_off_change_feed(admin, role);
  CHECK(eventually([&] { return !synchronized(b.port()); }, 5s));
  CHECK(eventually([&] { return b.output().find("list cache off") != std::string::npos; }, 5s));
  CHECK(synchronized(a.port()));  // A's notification session was not touched

  // Every comment A acknowledges is in B's very next answer: B reads storage now, though it had
  // the list cached a moment ago.
  for (int i = 0; i < 10; ++i) {
    const std::string text = "during " + std::to_string(i);
    post(a, text, "kill");
    CHECK(cached_list(b.port(), "kill").back() == text);
  }
  CHECK(status_of(b.port(), "/readyz") == 200);  // readiness does not depend on the cache
  CHECK(metric(b.port(), "list_cache_resyncs_total") == 0);
  CHECK_FALSE(synchronized(b.port()));  // still cut off: the failed reconnections were refused

  // Sessions allowed again: B reconnects by itself, drops its cache and uses it again.
  allow_sessions(admin, role);
  CHECK(eventually([&] { return synchronized(b.port()); }, 10s));
  CHECK(metric(b.port(), "list_cache_resyncs_total") == 1);
  CHECK(metric(a.port(), "list_cache_resyncs_total") == 0);
  CHECK(
      eventually([&] { return b.output().find("list cache on again") != std::string::npos; }, 5s));
  post(a, "after", "kill");
  CHECK(
      eventually([&] { return cached_list(b.port(), "kill").back() == "after"; }, kStalenessBound));
  CHECK(cached_list(b.port(), "kill") == list_texts(a.port(), "kill"));
}

TEST_CASE("cached lists on every replica grow in acknowledgement order under concurrent writers") {
  const auto db = fresh_database();
  auto replicas = start_replicas(2, db);
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
    REQUIRE(eventually([&] { return synchronized(r->port()); }, 10s));
  }
  // A slow commit widens the window in which ids could commit out of order.
  psql(db,
       "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
       "$$ BEGIN PERFORM pg_sleep(random() * 0.01); RETURN NULL; END $$; "
       "CREATE TRIGGER slow_commit AFTER INSERT ON comments "
       "FOR EACH STATEMENT EXECUTE FUNCTION slow_commit()");
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int> regressions{0};
  std::mutex mutex;
  std::string first_regression;
  std::vector<std::thread> readers;
  for (auto& r : replicas) {
    const auto port = r->port();
    readers.emplace_back([&, port] {
      Texts last;
      HttpClient c(port);
      for (bool done = false; !done;) {
        done = !writing.load();
        auto res = c.get("/api/comment/list/order");
        if (res.status != 200) {
          continue;  // 404 before the first comment
        }
        Texts now;
        append_texts(res, now);
        // A list only ever grows at its end: what was listed stays, in the same places.
        if (now.size() < last.size() || !std::equal(last.begin(), last.end(), now.begin())) {
          if (regressions.fetch_add(1) == 0) {
            std::lock_guard lock(mutex);
            first_regression = std::to_string(last.size()) + " then " + std::to_string(now.size());
          }
        }
        last = std::move(now);
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 16; ++w) {
    writers.emplace_back([&, w] {
      HttpClient c(replicas[static_cast<std::size_t>(w % 2)]->port());
      for (int i = 0; i < 15; ++i) {
        const auto text = std::to_string(w) + ":" + std::to_string(i);
        if (c.post_comment("o@example.com", text, "\"order\"").status != 200) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  writing = false;
  for (auto& t : readers) {
    t.join();
  }
  INFO("first regression: " << first_regression);
  CHECK(failures.load() == 0);
  CHECK(regressions.load() == 0);
  const auto stored = list_texts(replicas[0]->port(), "order");
  CHECK(stored.size() == 16 * 15);
  for (auto& r : replicas) {
    CHECK(eventually([&] { return cached_list(r->port(), "order") == stored; }, kStalenessBound));
  }
  // Each writer's comments in the order it wrote them.
  std::map<std::string, int> next;
  bool in_order = true;
  for (const auto& t : stored) {
    const auto w = t.substr(0, t.find(':'));
    in_order = in_order && std::stoi(t.substr(t.find(':') + 1)) == next[w]++;
  }
  CHECK(in_order);
}
