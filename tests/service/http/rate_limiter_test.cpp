// Unit tests of the per-client token bucket and of choosing the client key.
#include <catch2/catch.hpp>

#include "service/http/rate_limiter.hpp"

using comments::http::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("a client gets its burst, then one request per 1/rate seconds") {
  RateLimiter limiter(2.0, 3.0);
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit("10.0.0.1", t0).allowed);
  CHECK(limiter.admit("10.0.0.1", t0).allowed);
  CHECK(limiter.admit("10.0.0.1", t0).allowed);
  auto refused = limiter.admit("10.0.0.1", t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == 1);
  CHECK(limiter.admit("10.0.0.2", t0).allowed);  // other clients are not affected
  CHECK(limiter.admit("10.0.0.1", t0 + 500ms).allowed);
  CHECK_FALSE(limiter.admit("10.0.0.1", t0 + 500ms).allowed);
}

TEST_CASE("a slow rate gives a longer Retry-After") {
  RateLimiter limiter(0.1, 1.0);
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit("c", t0).allowed);
  CHECK(limiter.admit("c", t0).retry_after_seconds == 10);
}

TEST_CASE("rate 0 turns limiting off") {
  RateLimiter limiter(0, 0);
  CHECK_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(limiter.admit("c").allowed);
  }
}

TEST_CASE("memory stays bounded: idle clients are dropped, active newcomers refused at the bound") {
  RateLimiter limiter(1.0, 1.0, 160);
  const auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 10000; ++i) {
    limiter.admit("client-" + std::to_string(i), t0);
  }
  CHECK(limiter.tracked_clients() <= 160);
  // A second later every bucket is full again: the old clients are swept, new ones admitted.
  CHECK(limiter.admit("late-client", t0 + 2s).allowed);
}

TEST_CASE("the client key is the peer, or the trusted X-Forwarded-For hop") {
  CHECK(RateLimiter::client_key("10.1.1.1", "", 1) == "10.1.1.1");
  CHECK(RateLimiter::client_key("10.1.1.1", "203.0.113.7", 0) == "10.1.1.1");
  CHECK(RateLimiter::client_key("10.1.1.1", "203.0.113.7", 1) == "203.0.113.7");
  CHECK(RateLimiter::client_key("10.1.1.1", "6.6.6.6, 203.0.113.7", 1) == "203.0.113.7");
  CHECK(RateLimiter::client_key("10.1.1.1", "6.6.6.6, 203.0.113.7, 10.0.0.9", 2) == "203.0.113.7");
  CHECK(RateLimiter::client_key("10.1.1.1", "203.0.113.7", 3) == "10.1.1.1");
}
