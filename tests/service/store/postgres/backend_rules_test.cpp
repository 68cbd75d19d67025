// Unit tests of how the PostgreSQL backend combines its parts, against a scripted database: one
// retry rule for reads and writes, the circuit around every operation, dead sessions replaced.
#include <catch2/catch.hpp>

#include "service/store/postgres/backend.hpp"
#include "service/store/postgres/retry.hpp"
#include "tests/service/store/postgres/fake_database.hpp"

using namespace std::chrono_literals;
using namespace comments::testing;
using comments::store::NewComment;
using comments::store::PostgresBackend;
using comments::store::StoreError;

namespace {

using Statements = std::span<const pg::Statement>;

// Answers like a healthy database at the latest schema version; `fault_next` makes the next
// operation (not a migration) fail that way.
struct Script {
  Fault fault_next = Fault::none;
  int next_id = 100;
  int commits = 0;
  int refuse_first = 0;  // answer the insert as if a block named the poster of the first comment

  void install(FakeDatabase& db) {
    db.answer = [this](FakeSession&, Statements statements,
                       Fault& fault) -> std::vector<pg::Result> {
      std::vector<pg::Result> out;
      const auto first = describe(statements[0]);
      if (first == "SET statement_timeout = 0") {  // a migration session
        for (const auto& s : statements) {
          out.push_back(describe(s).starts_with("SELECT coalesce")
                            ? rows({{std::to_string(pg::migrations().back().version)}})
                            : pg::Result{});
        }
        return out;
      }
      if (fault_next != Fault::none) {
        fault = std::exchange(fault_next, Fault::none);
        return out;
      }
      if (first == "BEGIN") {
        ++commits;
        std::vector<std::vector<std::string>> ids;
        for (int i = 0; i < 2; ++i) {
          if (i == 0 && refuse_first > 0) {
            continue;
          }
          ids.push_back({std::to_string(next_id++), "0"});  // (id, 0): stored
        }
        if (refuse_first > 0) {
          ids.push_back({"0", "1"});  // (0, n): the nth comment, refused
        }
        return {pg::Result{"BEGIN", 0, {}}, pg::Result{"SELECT 1", 0, {}}, rows(ids, "SELECT 2"),
                pg::Result{"COMMIT", 0, {}}};
      }
      if (first == "list") {
        return {rows({{"7", "a@example.com", "hello", "1700000000000"}})};
      }
      return std::vector<pg::Result>(statements.size(), pg::Result{"SELECT 1", 0, {}});
    };
  }
};

const std::vector<NewComment> kBatch{{"1", "a@example.com", "one", 1},
                                     {"1", "b@example.com", "two", 2}};

enum class Op { read, write };

void run(PostgresBackend& b, Op op) {
  if (op == Op::read) {
    b.list("1", 0, 10);
  } else {
    b.append(kBatch);
  }
}

}  // namespace

TEST_CASE("reads and writes run again on a new session by one rule") {
  struct Case {
    Op op;
    Fault fault;
    bool reused;
    bool runs_again;
  };
  // Reads have no effect: any break of a reused session is worth one more try. A write is tried
  // again only when the server ended the session before COMMIT ran; a vanished connection may
  // have committed. A timeout, a refused statement or a new session's failure: never.
  const Case cases[] = {
      {Op::read, Fault::lost, true, true},     {Op::write, Fault::lost, true, false},
      {Op::read, Fault::ended, true, true},    {Op::write, Fault::ended, true, true},
      {Op::read, Fault::timeout, true, false}, {Op::write, Fault::timeout, true, false},
      {Op::read, Fault::error, true, false},   {Op::write, Fault::error, true, false},
      {Op::read, Fault::lost, false, false},   {Op::write, Fault::ended, false, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.op == Op::read ? "read" : "write", static_cast<int>(c.fault), c.reused);
    FakeDatabase db;
    Script script;
    script.install(db);
    ManualClock clock;
    PostgresBackend b(db.connector(), clock, 2, "fake");
    if (c.reused) {
      run(b, c.op);  // leaves an idle session to reuse
    }
    const int opened = db.opened();
    const int commits = script.commits;
    script.fault_next = c.fault;
    if (c.runs_again) {
      CHECK_NOTHROW(run(b, c.op));
      CHECK(db.opened() == opened + 1);  // once more, on a new session
      if (c.op == Op::write) {
        CHECK(script.commits == commits + 1);
      }
    } else {
      CHECK_THROWS_AS(run(b, c.op), StoreError);
      CHECK(db.opened() == opened + (c.reused ? 0 : 1));
      CHECK(script.commits == commits);
    }
  }
}

TEST_CASE("the retry rule itself") {
  FakeDatabase db;
  auto s = db.connector()(pg::Purpose::query, {});
  auto& f = dynamic_cast<FakeSession&>(*s);
  CHECK_FALSE(pg::run_again(f, true, pg::Effect::none));  // not broken: the statement failed
  f.broken_ = true;
  CHECK(pg::run_again(f, true, pg::Effect::none));
  CHECK_FALSE(pg::run_again(f, false, pg::Effect::none));
  CHECK_FALSE(pg::run_again(f, true, pg::Effect::commits));
  f.server_ended_ = true;
  CHECK(pg::run_again(f, true, pg::Effect::commits));
  f.timed_out_ = true;
  CHECK_FALSE(pg::run_again(f, true, pg::Effect::commits));
}

TEST_CASE("a session the server ended while idle never fails the next write or read") {
  FakeDatabase db;
  Script script;
  script.install(db);
  ManualClock clock;
  PostgresBackend b(db.connector(), clock, 1, "fake");
  b.append(kBatch);             // the writer's session: #2
  b.list("1", 0, 10);           // a reader's: #3
  db.dead_while_idle = {2, 3};  // pg_terminate_backend of both
  CHECK(b.append(kBatch).size() == 2);
  CHECK(b.list("1", 0, 10).comments.size() == 1);
  CHECK(db.opened() == 5);
  CHECK(script.commits == 2);
}

TEST_CASE("a timeout opens the circuit: operations fail at once until a probe succeeds") {
  FakeDatabase db;
  Script script;
  script.install(db);
  ManualClock clock;
  PostgresBackend b(db.connector(), clock, 2, "fake");
  b.ping();
  script.fault_next = Fault::timeout;
  CHECK_THROWS_WITH(b.ping(), "fake: did not answer in time");
  const auto ran = db.log().size();
  CHECK_THROWS_WITH(b.append(kBatch), "fake: did not answer in time");
  CHECK_THROWS_AS(b.list("1", 0, 10), StoreError);
  CHECK(db.log().size() == ran);  // refused without touching the database

  clock.advance(500ms);
  CHECK(b.list("1", 0, 10).comments.size() == 1);  // the probe, on a session opened after
  CHECK(b.append(kBatch).size() == 2);
}

TEST_CASE("a refused connection opens the circuit too, and the database coming back closes it") {
  FakeDatabase db;
  Script script;
  script.install(db);
  ManualClock clock;
  db.refuse("connection refused");
  PostgresBackend b(db.connector(), clock, 2, "fake");  // starts while the database is down
  CHECK_THROWS_WITH(b.ping(), "connection refused");
  db.refuse("");
  CHECK_THROWS_WITH(b.ping(), "connection refused");  // within the interval: at once
  clock.advance(500ms);
  CHECK_NOTHROW(b.ping());  // migrates, then pings
  CHECK(b.append(kBatch) == std::vector<std::int64_t>{100, 101});
}

TEST_CASE("a comment a block refused keeps its place in the batch's answer") {
  FakeDatabase db;
  Script script;
  script.refuse_first = 1;
  script.install(db);
  ManualClock clock;
  PostgresBackend b(db.connector(), clock, 2, "fake");
  CHECK(b.append(kBatch) == std::vector<std::int64_t>{comments::store::kRefusedByBlock, 100});
}
