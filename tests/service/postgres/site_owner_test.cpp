// What a site owner sets, on PostgreSQL: what lists show of addresses and counts that equal list
// lengths, checked as on SQLite (tests/service/support/site_checks.hpp).
#include <catch2/catch.hpp>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/site_checks.hpp"

using namespace comments::testing;

TEST_CASE("PostgreSQL: lists show email, email_hash or neither, as EMAIL_VISIBILITY says") {
  const auto db = fresh_database();
  for (const std::string mode : {"public", "hash", "hidden"}) {
    auto replicas = start_replicas(1, db, {"--email-visibility", mode});
    REQUIRE(wait_ready(replicas[0]->port()));
    check_email_visibility(replicas[0]->port(), mode, "visible-" + mode);
  }
}

TEST_CASE("PostgreSQL: counts equal list lengths, 0 for contents without comments") {
  const auto db = fresh_database();
  auto replicas = start_replicas(1, db);
  REQUIRE(wait_ready(replicas[0]->port()));
  check_counts(replicas[0]->port(), "counted");
}
