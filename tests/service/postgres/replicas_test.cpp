// Several service processes sharing one PostgreSQL database (each test its own database on the
// fixture's server): one set of comments, in acknowledgement order, whichever replica is asked.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/crash_writers.hpp"
#include "tests/service/support/http_client.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

TEST_CASE("three replicas starting together migrate once and share every comment in order") {
  const auto db = fresh_database();
  auto replicas = start_replicas(3, db);
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  CHECK(psql(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") ==
        migration_versions());

  // Posted one after another, each to the next replica.
  std::vector<std::string> posted;
  for (int i = 0; i < 12; ++i) {
    const auto& r = replicas[static_cast<std::size_t>(i % 3)];
    const std::string text = "from replica " + std::to_string(i % 3) + " #" + std::to_string(i);
    auto res = HttpClient(r->port()).post_comment("r@example.com", text, "\"article-7\"");
    REQUIRE(res.status == 200);
    posted.push_back(text);
    // Visible to every replica as soon as it is acknowledged.
    for (auto& other : replicas) {
      CHECK(list_texts(other->port(), "article-7").back() == text);
    }
  }
  for (auto& r : replicas) {
    CHECK(list_texts(r->port(), "article-7") == posted);
  }
  auto ready = HttpClient(replicas[0]->port()).get("/readyz");
  CHECK(ready.json().at("storage").as_string() == "postgresql");
}

TEST_CASE(
    "50 concurrent writers across three replicas lose nothing, and followers by cursor miss "
    "nothing") {
  const auto db = fresh_database();
  auto replicas = start_replicas(3, db);
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  // Widen the window between drawing an id and committing, as a slow disk or a busy server
  // would: without per-content serialisation, a lower id then often commits after a higher one.
  psql(db,
       "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
       "$$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$; "
       "CREATE TRIGGER slow_commit AFTER INSERT ON comments "
       "FOR EACH STATEMENT EXECUTE FUNCTION slow_commit()");
  constexpr int kWriters = 50;
  constexpr int kEach = 20;
  using Clock = std::chrono::steady_clock;
  struct Times {
    Clock::time_point sent;
    Clock::time_point acknowledged;
  };
  std::mutex mutex;
  std::map<std::string, Times> times;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::atomic<bool> writing{true};
  std::vector<std::vector<std::string>> followed(3);
  std::vector<std::thread> followers;
  for (std::size_t f = 0; f < followed.size(); ++f) {
    followers.emplace_back([&, f] {
      HttpClient c(replicas[f]->port());
      std::int64_t cursor = 0;
      for (bool last = false; !last;) {
        last = !writing.load();            // one more round after the writers finished
        std::this_thread::sleep_for(5ms);  // a client polling, not a busy loop
        auto r = c.get("/api/comment/list/hot?limit=1000" +
                       (cursor > 0 ? "&cursor=" + std::to_string(cursor) : std::string()));
        if (r.status != 200) {
          continue;  // 404 until the first comment
        }
        const auto page = r.json();
        for (const auto& v : page.as_array()) {
          followed[f].push_back(text(v.at("comment")));
          cursor = v.at("id").as_int64();
        }
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient c(replicas[static_cast<std::size_t>(w % 3)]->port());
      for (int i = 0; i < kEach; ++i) {
        const std::string text = std::to_string(w) + ":" + std::to_string(i);
        const auto sent = Clock::now();
        auto r = c.post_comment("w@example.com", text, "\"hot\"");
        const auto acked = Clock::now();
        if (r.status != 200) {
          if (failures.fetch_add(1) == 0) {
            std::lock_guard lock(mutex);
            first_failure = std::to_string(r.status) + " " + r.body;
          }
          continue;
        }
        std::lock_guard lock(mutex);
        times[text] = {sent, acked};
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  writing = false;
  for (auto& t : followers) {
    t.join();
  }
  INFO("first failure: " << first_failure);
  std::string logs;  // at warn level: the storage error behind a 503, if any
  for (const auto& r : replicas) {
    logs += r->output();
  }
  INFO("replica logs: " << logs);
  CHECK(failures.load() == 0);

  const auto listed = list_texts(replicas[0]->port(), "hot");
  // A client following new comments with the cursor of the last one it saw misses none.
  for (std::size_t f = 0; f < followed.size(); ++f) {
    const std::set<std::string> seen(followed[f].begin(), followed[f].end());
    std::size_t missed = 0;
    for (const auto& t : listed) {
      missed += seen.count(t) == 0 ? 1 : 0;
    }
    INFO("follower of replica " << f << " saw " << followed[f].size() << " of " << listed.size());
    CHECK(missed == 0);
  }
  REQUIRE(listed.size() == static_cast<std::size_t>(kWriters * kEach));
  CHECK(std::set<std::string>(listed.begin(), listed.end()).size() == listed.size());
  CHECK(list_texts(replicas[1]->port(), "hot") == listed);
  CHECK(list_texts(replicas[2]->port(), "hot") == listed);

  // If A was acknowledged before B was even sent, A must be listed before B, whichever replicas
  // took them: scanning from the end, no later-listed comment may be acknowledged before an
  // earlier-listed one was sent.
  std::size_t violations = 0;
  auto earliest_ack_after = Clock::time_point::max();
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    const auto& t = times.at(*it);
    if (earliest_ack_after < t.sent) {
      ++violations;
    }
    earliest_ack_after = std::min(earliest_ack_after, t.acknowledged);
  }
  CHECK(violations == 0);
}

TEST_CASE("kill -9 of a replica during writes loses no acknowledged comment and blocks no one") {
  const auto db = fresh_database();
  auto replicas = start_replicas(2, db);
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  auto& victim = *replicas[0];
  auto& survivor = *replicas[1];
  CrashWriters writers(victim.port(), "\"crash\"");
  REQUIRE(eventually([&] { return writers.acknowledged_count() >= 300; }, 30s));
  victim.signal(SIGKILL);
  REQUIRE(victim.wait_exit() == 128 + SIGKILL);
  const auto acknowledged = writers.stop();

  // The survivor writes the same content at once: the dead replica's session held no lock.
  HttpClient c(survivor.port());
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.post_comment("s@example.com", "after the crash", "\"crash\"").status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);

  const auto listed = list_texts(survivor.port(), "crash");
  const std::set<std::string> stored(listed.begin(), listed.end());
  std::size_t found = 0;
  for (const auto& a : acknowledged) {
    found += stored.count(a);
  }
  INFO("acknowledged " << acknowledged.size() << ", stored " << stored.size());
  CHECK(found == acknowledged.size());
  CHECK(listed.back() == "after the crash");
}
