// Unit tests of the migrations and the schema gate against a scripted database.
#include "service/store/postgres/migrations.hpp"

#include <catch2/catch.hpp>

#include "tests/service/store/postgres/fake_database.hpp"

using namespace std::chrono_literals;
using namespace comments::testing;
using comments::store::pg::Migration;
using comments::store::pg::SchemaGate;

namespace {

const std::vector<Migration> kTwo{
    {1, "first", {"CREATE TABLE a (x int)"}},
    {2, "second", {"CREATE TABLE b (y int)", "CREATE INDEX ON b (y)"}}};

// The database answers as one at schema version `version`.
void at_version(FakeDatabase& db, int version) {
  db.answer = [version](FakeSession&, std::span<const comments::store::pg::Statement> statements,
                        Fault&) {
    std::vector<comments::store::pg::Result> out;
    for (const auto& s : statements) {
      if (describe(s).starts_with("SELECT coalesce(max(version)")) {
        out.push_back(rows({{std::to_string(version)}}));
      } else {
        out.push_back({"OK", 0, {}});
      }
    }
    return out;
  };
}

std::vector<std::string> without_session(const std::vector<std::string>& log) {
  std::vector<std::string> out;
  for (const auto& line : log) {
    out.push_back(line.substr(line.find(' ') + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("a fresh database gets every migration, each in its own transaction, under the lock") {
  FakeDatabase db;
  at_version(db, 0);
  ManualClock clock;
  auto session = db.connector()(comments::store::pg::Purpose::migrate, clock.now());
  CHECK(comments::store::pg::migrate(*session, kTwo, clock.now() + 1s) == 0);
  const auto log = without_session(db.log());
  REQUIRE(log.size() == 14);
  CHECK(log[0] == "SET statement_timeout = 0");
  CHECK(log[1] == "SELECT pg_advisory_lock(1668115815, 1)");
  CHECK(log[2].starts_with("CREATE TABLE IF NOT EXISTS schema_migrations"));
  CHECK(log[3].starts_with("SELECT coalesce(max(version), 0)"));
  CHECK(std::vector<std::string>(log.begin() + 4, log.begin() + 8) ==
        std::vector<std::string>{
            "BEGIN", "CREATE TABLE a (x int)",
            "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", "COMMIT"});
  CHECK(std::vector<std::string>(log.begin() + 8, log.end()) ==
        std::vector<std::string>{
            "BEGIN", "CREATE TABLE b (y int)", "CREATE INDEX ON b (y)",
            "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", "COMMIT",
            "SELECT pg_advisory_unlock(1668115815, 1)"});
}

TEST_CASE("a database at the latest version, or a newer one, is left as it is") {
  for (int version : {2, 3}) {
    CAPTURE(version);
    FakeDatabase db;
    at_version(db, version);
    ManualClock clock;
    auto session = db.connector()(comments::store::pg::Purpose::migrate, clock.now());
    CHECK(comments::store::pg::migrate(*session, kTwo, clock.now() + 1s) == version);
    const auto log = without_session(db.log());
    REQUIRE(log.size() == 5);
    CHECK(log[4] == "SELECT pg_advisory_unlock(1668115815, 1)");
  }
}

TEST_CASE("the migrations of this release start with the comments table and only add") {
  const auto all = comments::store::pg::migrations();
  REQUIRE_FALSE(all.empty());
  CHECK(all[0].version == 1);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].version == static_cast<int>(i) + 1);
    for (const char* sql : all[i].statements) {
      const std::string s = sql;
      CHECK(s.find("DROP ") == std::string::npos);
      CHECK(s.find("RENAME ") == std::string::npos);
    }
  }
}

TEST_CASE("the schema gate migrates once, on a migration session, then never again") {
  FakeDatabase db;
  at_version(db, 0);
  ManualClock clock;
  SchemaGate gate(db.connector(), clock, 500ms, nullptr, kTwo);
  CHECK_FALSE(gate.ready());
  gate.ensure();
  CHECK(gate.ready());
  gate.ensure();
  CHECK(db.opened() == 1);
  CHECK(db.open_now() == 0);  // its session is closed afterwards
}

TEST_CASE("a failed migration is retried only after the interval, and a timeout is reported") {
  FakeDatabase db;
  at_version(db, 0);
  int failures = 1;
  db.answer = [&failures](FakeSession&, std::span<const comments::store::pg::Statement> statements,
                          Fault& fault) {
    if (failures > 0) {
      --failures;
      fault = Fault::timeout;
      return std::vector<comments::store::pg::Result>{};
    }
    std::vector<comments::store::pg::Result> out;
    for (const auto& s : statements) {
      out.push_back(describe(s).starts_with("SELECT coalesce") ? rows({{"0"}})
                                                               : comments::store::pg::Result{});
    }
    return out;
  };
  ManualClock clock;
  std::vector<std::string> timeouts;
  SchemaGate gate(
      db.connector(), clock, 500ms, [&](const std::string& why) { timeouts.push_back(why); }, kTwo);
  CHECK_THROWS_WITH(gate.ensure(), Catch::StartsWith("schema not ready: fake: did not answer"));
  CHECK(timeouts.size() == 1);
  CHECK_THROWS_WITH(gate.ensure(), Catch::StartsWith("schema not ready"));
  CHECK(db.opened() == 1);  // not tried again within the interval
  clock.advance(500ms);
  gate.ensure();
  CHECK(gate.ready());
  CHECK(db.opened() == 2);
}
