// The admin listener and the budgets that keep hostile clients from starving everyone else:
// probes on their own port survive an exhausted public port, connections per client address are
// capped, and request bodies being received share one memory budget.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Connections that are open (and send what they are given), held until the test ends.
struct Holders {
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> sockets;

  void open(std::uint16_t port, int n, const std::string& bytes = {}) {
    for (int i = 0; i < n; ++i) {
      auto s = std::make_unique<tcp::socket>(ioc);
      s->connect({asio::ip::make_address("127.0.0.1"), port});
      if (!bytes.empty()) {
        asio::write(*s, asio::buffer(bytes));
      }
      sockets.push_back(std::move(s));
    }
  }
};

int status_of(std::uint16_t port, const std::string& target) {
  try {
    return static_cast<int>(HttpClient(port).get(target).status);
  } catch (const std::exception&) {
    return 0;  // closed without an answer
  }
}

// A request whose body stops after half of its 60 KB.
std::string stalled_body() {
  return "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: 60000\r\n\r\n" +
         std::string(30000, 'x');
}

}  // namespace

TEST_CASE("the admin port serves the operator endpoints and nothing else") {
  auto s = memory_service({"--admin-port", "0"});
  REQUIRE(s.wait_listening());
  REQUIRE(s.admin_port() != 0);
  REQUIRE(s.admin_port() != s.port());
  HttpClient admin(s.admin_port());
  for (const char* path : {"/healthz", "/readyz", "/version", "/metrics"}) {
    INFO(path);
    CHECK(admin.get(path).status == 200);
  }
  CHECK(admin.get("/api/comment/list/1").status == 404);
  CHECK(admin.post_comment("a@example.com", "x", "1").status == 404);
  // The public port keeps serving both, as before.
  HttpClient pub(s.port());
  CHECK(pub.get("/healthz").status == 200);
  CHECK(pub.get("/metrics").status == 200);
  CHECK(pub.post_comment("a@example.com", "x", "1").status == 200);
}

TEST_CASE("with --ops-on-public-port false the public port serves only the API") {
  auto s = memory_service({"--admin-port", "0", "--ops-on-public-port", "false"});
  REQUIRE(s.wait_listening());
  HttpClient pub(s.port());
  for (const char* path : {"/healthz", "/readyz", "/version", "/metrics"}) {
    INFO(path);
    CHECK(pub.get(path).status == 404);
    CHECK(HttpClient(s.admin_port()).get(path).status == 200);
  }
  CHECK(pub.post_comment("a@example.com", "x", "1").status == 200);
}

TEST_CASE("listener settings that cannot work are refused at start-up") {
  auto no_admin = run_service_command({"--storage", "memory:", "--ops-on-public-port", "false"});
  CHECK(no_admin.exit_code == 2);
  CHECK_THAT(no_admin.output, Catch::Contains("needs --admin-port"));
  auto same =
      run_service_command({"--storage", "memory:", "--port", "8123", "--admin-port", "8123"});
  CHECK(same.exit_code == 2);
  CHECK_THAT(same.output, Catch::Contains("must differ from --port"));
  auto budget = run_service_command({"--storage", "memory:", "--body-memory-budget", "1KiB"});
  CHECK(budget.exit_code == 2);
  CHECK_THAT(budget.output, Catch::Contains("--body-memory-budget"));
}

TEST_CASE("liveness on the admin port survives connections held beyond --max-connections") {
  auto s = memory_service({"--admin-port", "0", "--max-connections", "20", "--threads", "1"});
  REQUIRE(s.wait_listening());
  Holders attack;
  attack.open(s.port(), 30);
  // The attack is real: the public port turns new connections away...
  CHECK(eventually([&] { return status_of(s.port(), "/healthz") == 0; }));
  // ...and every probe on the admin port is answered.
  for (int i = 0; i < 20; ++i) {
    REQUIRE(status_of(s.admin_port(), "/healthz") == 200);
  }
  CHECK(status_of(s.admin_port(), "/readyz") == 200);
}

TEST_CASE("connections per client address are capped") {
  auto s =
      memory_service({"--max-connections-per-client", "3", "--admin-port", "0", "--threads", "1"});
  REQUIRE(s.wait_listening());
  Holders mine;
  mine.open(s.port(), 3);
  CHECK(eventually([&] { return status_of(s.port(), "/healthz") == 0; }));  // a fourth: closed
  CHECK(status_of(s.admin_port(), "/healthz") == 200);  // the admin listener has no such cap
  mine.sockets.pop_back();
  CHECK(eventually([&] { return status_of(s.port(), "/healthz") == 200; }));
}

TEST_CASE("bodies being received share one budget; beyond it a new body gets 503") {
  auto s = memory_service({"--max-body-bytes", "64KiB", "--body-memory-budget", "128KiB"});
  REQUIRE(s.wait_listening());
  Holders stalled;
  stalled.open(s.port(), 2, stalled_body());  // 120,000 of the 131,072 bytes
  // The service may not have read the second head yet: poll until the budget is taken.
  std::string refused;
  CHECK(eventually([&] {
    refused = HttpClient(s.port()).raw(stalled_body(), 3000);
    return refused.starts_with("HTTP/1.1 503");
  }));
  CHECK_THAT(refused, Catch::Contains("Retry-After: 1"));
  CHECK_THAT(refused, Catch::Contains("too many request bodies in progress"));
  // Requests without a body, and small ones that fit, are served meanwhile.
  HttpClient c(s.port());
  CHECK(c.get("/healthz").status == 200);
  CHECK(c.post_comment("a@example.com", "fits", "1").status == 200);
  // Once a stalled body is gone, its share is back.
  stalled.sockets.clear();
  CHECK(eventually([&] {
    const auto out = HttpClient(s.port()).raw(stalled_body() + std::string(30000, 'x'), 3000);
    return out.starts_with("HTTP/1.1 400");  // a whole body: read, and refused as JSON
  }));
}

TEST_CASE("the healthcheck subcommand probes the admin port when there is one") {
  auto s = memory_service({"--admin-port", "0"});
  REQUIRE(s.wait_listening());
  auto r = run_service_command({"healthcheck"},
                               {{"PORT", "1"}, {"ADMIN_PORT", std::to_string(s.admin_port())}});
  CHECK(r.exit_code == 0);
}
