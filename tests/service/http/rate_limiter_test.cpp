// Unit tests of the per-client token bucket and of choosing, parsing and bounding client keys.
#include "service/http/rate_limiter.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "service/http/client_address.hpp"

using comments::http::client_address;
using comments::http::ClientKey;
using comments::http::key_of;
using comments::http::parse_forwarded_entry;
using comments::http::RateLimiter;
using namespace std::chrono_literals;

namespace {

ClientKey key(const std::string& address) { return key_of(boost::asio::ip::make_address(address)); }

ClientKey nth_client(std::uint32_t i) {
  return key_of(boost::asio::ip::address_v4(0x0a000000U + i));
}

// The client as the service would see it: peer 10.1.1.1, these X-Forwarded-For lines.
std::string client(std::vector<std::string_view> lines, unsigned hops) {
  return client_address(boost::asio::ip::make_address("10.1.1.1"), lines, hops).to_string();
}

}  // namespace

TEST_CASE("a client gets its burst, then one request per 1/rate seconds") {
  RateLimiter limiter(2.0, 3.0);
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit(key("10.0.0.1"), t0).allowed);
  CHECK(limiter.admit(key("10.0.0.1"), t0).allowed);
  CHECK(limiter.admit(key("10.0.0.1"), t0).allowed);
  auto refused = limiter.admit(key("10.0.0.1"), t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds == 1);
  CHECK(limiter.admit(key("10.0.0.2"), t0).allowed);  // other clients are not affected
  CHECK(limiter.admit(key("10.0.0.1"), t0 + 500ms).allowed);
  CHECK_FALSE(limiter.admit(key("10.0.0.1"), t0 + 500ms).allowed);
}

TEST_CASE("a slow rate gives a longer Retry-After") {
  RateLimiter limiter(0.1, 1.0);
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit(key("192.0.2.1"), t0).allowed);
  CHECK(limiter.admit(key("192.0.2.1"), t0).retry_after_seconds == 10);
}

TEST_CASE("rate 0 turns limiting off") {
  RateLimiter limiter(0, 0);
  CHECK_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(limiter.admit(key("192.0.2.1")).allowed);
  }
}

TEST_CASE("the table is bounded and a new client is never locked out, even when all are active") {
  RateLimiter limiter(1.0, 1.0, 160);
  const auto t0 = RateLimiter::Clock::now();
  for (std::uint32_t i = 0; i < 10000; ++i) {
    limiter.admit(nth_client(i), t0);  // every bucket left empty: all of them active
  }
  CHECK(limiter.tracked_clients() <= 160);
  // At the same instant, with the table full of active clients, a newcomer is admitted...
  CHECK(limiter.admit(key("203.0.113.99"), t0).allowed);
  // ...while a client seen a moment ago is still remembered and limited.
  CHECK_FALSE(limiter.admit(nth_client(9999), t0).allowed);
}

TEST_CASE("the least recently seen client is the one forgotten") {
  RateLimiter limiter(1.0, 1.0, 16);  // one per shard
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit(key("192.0.2.1"), t0).allowed);
  CHECK_FALSE(limiter.admit(key("192.0.2.1"), t0).allowed);
  // Hundreds of other clients push it out of its shard: it comes back with a full bucket.
  for (std::uint32_t i = 0; i < 500; ++i) {
    limiter.admit(nth_client(i), t0);
  }
  CHECK(limiter.tracked_clients() <= 16);
  CHECK(limiter.admit(key("192.0.2.1"), t0).allowed);
}

TEST_CASE("IPv4 and IPv4-mapped IPv6 are one client") {
  RateLimiter limiter(1.0, 1.0);
  const auto t0 = RateLimiter::Clock::now();
  CHECK(limiter.admit(key("192.0.2.7"), t0).allowed);
  CHECK_FALSE(limiter.admit(key("::ffff:192.0.2.7"), t0).allowed);
}

TEST_CASE("the client is the peer, or the trusted X-Forwarded-For hop across every line") {
  CHECK(client({}, 1) == "10.1.1.1");
  CHECK(client({"203.0.113.7"}, 0) == "10.1.1.1");
  CHECK(client({"203.0.113.7"}, 1) == "203.0.113.7");
  CHECK(client({"6.6.6.6, 203.0.113.7"}, 1) == "203.0.113.7");
  CHECK(client({"6.6.6.6, 203.0.113.7, 10.0.0.9"}, 2) == "203.0.113.7");
  CHECK(client({"203.0.113.7"}, 3) == "10.1.1.1");
  // Several lines are one list (RFC 9110 §5.3): a line the client sent first changes nothing.
  CHECK(client({"6.6.6.6", "203.0.113.7"}, 1) == "203.0.113.7");
  CHECK(client({"1.1.1.1, 6.6.6.6", "203.0.113.7, 10.0.0.9"}, 2) == "203.0.113.7");
  CHECK(client({"1.1.1.1", "6.6.6.6", "203.0.113.7"}, 3) == "1.1.1.1");
  // Empty list elements do not count.
  CHECK(client({"203.0.113.7, , "}, 1) == "203.0.113.7");
}

TEST_CASE("forwarded entries are parsed and normalised; anything else falls back to the peer") {
  CHECK(client({"203.0.113.7:4711"}, 1) == "203.0.113.7");
  CHECK(client({"[2001:db8::1]:4711"}, 1) == "2001:db8::1");
  CHECK(client({"[2001:DB8:0:0::1]"}, 1) == "2001:db8::1");
  CHECK(client({"2001:db8::1"}, 1) == "2001:db8::1");
  CHECK(client({"::ffff:203.0.113.7"}, 1) == "203.0.113.7");
  CHECK(client({" \t203.0.113.7\t"}, 1) == "203.0.113.7");
  for (const char* junk : {"unknown", "_hidden", "203.0.113", "203.0.113.7.1", "999.0.0.1",
                           "203.0.113.7:", "203.0.113.7:99999x", "[203.0.113.7]", "2001:db8::1]",
                           "[2001:db8::1", "fe80::1%eth0", "localhost", ""}) {
    INFO(junk);
    CHECK_FALSE(parse_forwarded_entry(junk).has_value());
  }
  CHECK(client({"6.6.6.6, unknown"}, 1) == "10.1.1.1");
  const std::string huge(15000, 'a');
  CHECK(client({huge}, 1) == "10.1.1.1");
}
