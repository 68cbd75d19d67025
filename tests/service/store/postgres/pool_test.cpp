// Unit tests of the session pool with a scripted connector.
#include "service/store/postgres/pool.hpp"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "tests/service/store/postgres/fake_database.hpp"

using namespace std::chrono_literals;
using namespace comments::testing;
using comments::store::StoreError;
using comments::store::pg::Pool;
using comments::store::pg::Purpose;

TEST_CASE("the pool opens sessions on demand up to its size and reuses idle ones") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 2);
  {
    auto a = pool.lease(clock.now() + 1s);
    CHECK_FALSE(a.reused());
    auto b = pool.lease(clock.now() + 1s);
    CHECK_FALSE(b.reused());
    CHECK(db.opened() == 2);
    CHECK(pool.open_sessions() == 2);
  }
  auto c = pool.lease(clock.now() + 1s);
  CHECK(c.reused());
  CHECK(db.opened() == 2);
  CHECK(dynamic_cast<FakeSession&>(*c).purpose() == Purpose::query);
}

TEST_CASE("a session the server ended while it sat idle is replaced, never handed out") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 2);
  { auto first = pool.lease(clock.now() + 1s); }
  db.dead_while_idle = {1};  // e.g. pg_terminate_backend, a restart, a failover
  auto lease = pool.lease(clock.now() + 1s);
  CHECK(dynamic_cast<FakeSession&>(*lease).number() == 2);
  CHECK_FALSE(lease.reused());
  CHECK(pool.replaced_dead() == 1);
  CHECK(db.open_now() == 1);  // the dead one was closed
}

TEST_CASE("broken sessions and sessions left inside a transaction are not returned") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 1);
  {
    auto a = pool.lease(clock.now() + 1s);
    dynamic_cast<FakeSession&>(*a).broken_ = true;
  }
  {
    auto b = pool.lease(clock.now() + 1s);
    CHECK_FALSE(b.reused());
    dynamic_cast<FakeSession&>(*b).in_transaction_ = true;
  }
  auto c = pool.lease(clock.now() + 1s);
  CHECK_FALSE(c.reused());
  CHECK(db.opened() == 3);
  CHECK(db.open_now() == 1);
}

TEST_CASE("after retire_all, sessions opened before are closed instead of reused") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 2);
  { auto idle = pool.lease(clock.now() + 1s); }
  auto busy = std::make_unique<Pool::Lease>(pool.lease(clock.now() + 1s));
  REQUIRE(busy->reused());
  pool.retire_all();  // the database went down
  auto next = pool.lease(clock.now() + 1s);
  CHECK_FALSE(next.reused());
  busy.reset();  // comes back from before the outage: closed
  CHECK(db.open_now() == 1);
  CHECK(pool.replaced_dead() == 0);  // retired, not found dead
}

TEST_CASE("a full pool waits for a session to come back, and gives up at the deadline") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 1);
  auto held = std::make_unique<Pool::Lease>(pool.lease(clock.now() + 1s));
  CHECK_THROWS_WITH(pool.lease(clock.now()), "all 1 PostgreSQL connections stayed busy");

  auto waiter = std::async(std::launch::async, [&] {
    auto l = pool.lease(clock.now() + 10s);
    return dynamic_cast<FakeSession&>(*l).number();
  });
  std::this_thread::sleep_for(20ms);
  held.reset();
  CHECK(waiter.get() == 1);
  CHECK(db.opened() == 1);
}

TEST_CASE("a failure to connect frees the slot and reaches the caller") {
  FakeDatabase db;
  ManualClock clock;
  Pool pool(db.connector(), Purpose::query, clock, 1);
  db.refuse("connection refused");
  CHECK_THROWS_WITH(pool.lease(clock.now() + 1s), "connection refused");
  CHECK(pool.open_sessions() == 0);
  db.refuse("");
  CHECK_NOTHROW(pool.lease(clock.now()));
}
