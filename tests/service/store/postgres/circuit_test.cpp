// Unit tests of the circuit breaker on a manual clock.
#include "service/store/postgres/circuit.hpp"

#include <catch2/catch.hpp>

#include "tests/service/store/postgres/fake_database.hpp"

using namespace std::chrono_literals;
using comments::store::StoreError;
using comments::store::pg::Circuit;
using comments::testing::ManualClock;

TEST_CASE("a closed circuit admits every operation, none of them a probe") {
  ManualClock clock;
  Circuit circuit(clock, 500ms);
  auto a = circuit.admit();
  auto b = circuit.admit();
  CHECK_FALSE(a.probe());
  CHECK_FALSE(b.probe());
  CHECK_FALSE(circuit.open());
}

TEST_CASE("an open circuit fails at once with the reason, then lets one probe in per interval") {
  ManualClock clock;
  Circuit circuit(clock, 500ms);
  CHECK(circuit.trip("connection refused"));
  CHECK_FALSE(circuit.trip("connection refused again"));  // already open: nothing to retire
  CHECK_THROWS_WITH(circuit.admit(), "connection refused again");

  clock.advance(499ms);
  CHECK_THROWS_AS(circuit.admit(), StoreError);
  clock.advance(1ms);
  {
    auto probe = circuit.admit();
    CHECK(probe.probe());
    CHECK_THROWS_AS(circuit.admit(), StoreError);  // one probe at a time
  }
  // The probe ended without reaching the database and without a new outage: the next may try.
  auto again = circuit.admit();
  CHECK(again.probe());
}

TEST_CASE("a probe that fails re-opens the circuit for another interval") {
  ManualClock clock;
  Circuit circuit(clock, 500ms);
  circuit.trip("down");
  clock.advance(500ms);
  {
    auto probe = circuit.admit();
    REQUIRE(probe.probe());
    circuit.trip("still down");
  }
  CHECK_THROWS_WITH(circuit.admit(), "still down");
  clock.advance(500ms);
  CHECK(circuit.admit().probe());
}

TEST_CASE("a probe's success closes the circuit for everyone") {
  ManualClock clock;
  Circuit circuit(clock, 500ms);
  circuit.trip("down");
  clock.advance(500ms);
  {
    auto probe = circuit.admit();
    probe.succeeded();
  }
  CHECK_FALSE(circuit.open());
  CHECK_FALSE(circuit.admit().probe());
  CHECK(circuit.trip("down again"));  // closed again, so this opens it anew
}
