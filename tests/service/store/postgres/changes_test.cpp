// Unit tests of the change feed against a scripted database and a manual clock: what the cache
// hears, and for how long it may serve.
#include "service/store/postgres/changes.hpp"

#include <catch2/catch.hpp>
#include <mutex>

#include "tests/service/store/postgres/fake_database.hpp"
#include "tests/service/support/service_process.hpp"

using namespace std::chrono_literals;
using namespace comments::testing;
using comments::store::pg::ChangeFeed;
using comments::store::pg::ChangeFeedTiming;
using comments::store::pg::parse_change;

namespace {

// Records what the feed told it, as lines: "changed a b", "changed all", "in sync +1000ms",
// "out of sync: reason".
class Recorder final : public comments::store::ChangeObserver {
 public:
  explicit Recorder(const ManualClock& clock) : clock_(clock) {}
  void changed(std::span<const std::string> ids) override {
    std::string line = "changed";
    for (const auto& id : ids) {
      line += " " + id;
    }
    add(line);
  }
  void changed_all() override { add("changed all"); }
  void in_sync_until(std::chrono::steady_clock::time_point until) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_.now());
    std::lock_guard lock(mutex_);
    until_ = until;
    if (lines_.empty() || !lines_.back().starts_with("in sync")) {
      lines_.push_back("in sync +" + std::to_string(ms.count()) + "ms");
    }
  }
  void out_of_sync(std::string_view reason) override { add("out of sync: " + std::string(reason)); }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool saw(const std::string& line) {
    const auto all = lines();
    return std::find(all.begin(), all.end(), line) != all.end();
  }

 private:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  const ManualClock& clock_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
  std::chrono::steady_clock::time_point until_{};
};

ChangeFeedTiming fast() {
  ChangeFeedTiming t;
  t.reconnect = 1ms;  // real time between attempts
  return t;
}

// A feed named "me" on a scripted database, once it has vouched for the cache the first time.
struct Listening {
  Listening() {
    REQUIRE(eventually([&] { return seen.saw("in sync +1000ms"); }, 5s));
  }
  FakeDatabase db;
  ManualClock clock;
  Recorder seen{clock};
  ChangeFeedTiming timing = fast();
  ChangeFeed feed{db.connector(), clock, "me", seen, timing};  // last: stopped first
};

}  // namespace

TEST_CASE("change payloads name the origin and the contents, or everything") {
  auto m = parse_change("abc 1 article-7 x:y");
  CHECK(m.origin == "abc");
  CHECK_FALSE(m.everything);
  CHECK(m.content_ids == std::vector<std::string>{"1", "article-7", "x:y"});
  CHECK(parse_change("- *").everything);
  CHECK(parse_change("- *").origin == "-");
  CHECK(parse_change("abc").everything);  // names nothing: cannot say what changed
  CHECK(parse_change("").everything);
}

TEST_CASE("the feed listens, drops the cache, then vouches for it one lease per heartbeat") {
  Listening l;
  auto& db = l.db;
  auto& seen = l.seen;
  const auto lines = seen.lines();
  CHECK(lines[0] == "out of sync: not listening yet");
  CHECK(lines[1] == "changed all");  // only once listening: what came before is unknown
  CHECK(lines[2] == "in sync +1000ms");
  const auto log = db.log();
  CHECK(std::find(log.begin(), log.end(), "#1 LISTEN comments_changes") != log.end());
  CHECK(std::find(log.begin(), log.end(), "#1 LISTEN comments_heartbeat_me") != log.end());
  CHECK(std::find(log.begin(), log.end(), "#1 SET synchronous_commit = off") != log.end());
}

TEST_CASE("other replicas' changes reach the observer; this replica's own do not") {
  Listening l;
  auto& db = l.db;
  auto& seen = l.seen;
  db.notify({"comments_changes", "me 1 2"});
  db.notify({"comments_changes", "other 3 article-4"});
  db.notify({"comments_changes", "- *"});  // psql: TRUNCATE, or too many contents
  REQUIRE(eventually([&] { return seen.lines().size() >= 5; }, 5s));
  const auto lines = seen.lines();
  CHECK(lines[3] == "changed 3 article-4");
  CHECK(lines[4] == "changed all");
  CHECK(lines.size() == 5);
}

TEST_CASE("heartbeats that stop coming back end the lease, then the session") {
  Listening l;
  auto& db = l.db;
  auto& clock = l.clock;
  auto& seen = l.seen;
  auto& timing = l.timing;
  db.hold_heartbeats = true;        // a network partition: no error, nothing arrives
  clock.advance(timing.heartbeat);  // the next heartbeat goes out and never returns
  auto beats = [&] {
    const auto log = db.log();
    return std::count(log.begin(), log.end(), "#1 SELECT pg_notify($1, $2)");
  };
  REQUIRE(eventually([&] { return beats() == 2; }, 5s));
  db.hold_heartbeats = false;  // the second one is lost for good
  clock.advance(timing.dead_after + 1ms);
  REQUIRE(eventually([&] { return seen.lines().size() >= 4; }, 5s));
  CHECK(seen.lines()[3] == "out of sync: no heartbeat came back within 3000 ms");
  REQUIRE(eventually([&] { return db.opened() == 2 && seen.lines().size() >= 6; }, 5s));
  CHECK(seen.lines()[4] == "changed all");  // reconnected: drop everything, then vouch again
  CHECK(seen.lines()[5] == "in sync +1000ms");
}

TEST_CASE("a lost session puts the cache out of sync at once; the feed reconnects by itself") {
  Listening l;
  auto& db = l.db;
  auto& seen = l.seen;
  db.refuse("the database system is shutting down");
  db.lose_listener = true;
  REQUIRE(eventually([&] { return seen.lines().size() >= 4; }, 5s));
  CHECK(seen.lines()[3] == "out of sync: fake: lost the connection");
  std::this_thread::sleep_for(20ms);  // a few attempts that fail: nothing more to report
  CHECK(seen.lines().size() == 4);
  db.refuse("");
  REQUIRE(eventually([&] { return seen.lines().size() >= 6; }, 5s));
  CHECK(seen.lines()[4] == "changed all");
  CHECK(seen.lines()[5] == "in sync +1000ms");
}
