// Nothing sensitive leaves the service: with a PostgreSQL storage URL carrying a user and a
// password, no response of any endpoint contains the password, the user, the host:port or the
// database name, and no log line or start-up message contains the password — while the reason
// storage is unavailable does reach the log, where the operator looks for it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

namespace {

const std::string kUser = "hostile_user_9c";
const std::string kPassword = "pw-Hostile-7b1e";
const std::string kDatabase = "hostile_db_4f";

// A loopback port nothing listens on: connecting is refused at once.
std::uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string everything(const HttpResponse& r) {
  std::ostringstream out;
  out << r.status << "\n";
  for (const auto& [k, v] : r.headers) {
    out << k << ": " << v << "\n";
  }
  out << r.body;
  return out.str();
}

// Every endpoint, every method that route takes, a few errors; all of it as one text.
std::string all_responses(std::uint16_t port) {
  HttpClient c(port);
  std::string seen;
  for (const char* target : {"/healthz", "/readyz", "/version", "/metrics",
                             "/api/comment/list/leak", "/api/comment/list/leak?limit=5", "/nope"}) {
    seen += everything(c.get(target));
    seen += everything(c.request("HEAD", target));
  }
  seen += everything(c.post_comment("a@example.com", "hello", "\"leak\""));
  seen += everything(c.post_json("/api/comment/new", "{not json"));
  seen += everything(c.request("DELETE", "/readyz"));
  seen += c.raw("GET /readyz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 2000);
  return seen;
}

void check_service(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
  ServiceProcess s(args, env);
  REQUIRE(s.wait_listening());
  // The first health check failed and said why in the log.
  REQUIRE(eventually(
      [&] { return s.output().find("\"msg\":\"storage unavailable\"") != std::string::npos; }));
  const auto responses = all_responses(s.port());
  CHECK_THAT(responses,
             Catch::Contains("storage unavailable"));  // /readyz still says what is wrong
  CHECK_THAT(responses, !Catch::Contains(kPassword));
  CHECK_THAT(responses, !Catch::Contains(kUser));
  CHECK_THAT(responses, !Catch::Contains(kDatabase));
  CHECK_THAT(responses, !Catch::Contains("127.0.0.1:"));
  s.signal(SIGTERM);
  CHECK(s.wait_exit() == 0);
  const auto log = s.output();
  CHECK_THAT(log, Catch::Contains("Connection refused"));  // the detail is in the log...
  CHECK_THAT(log, !Catch::Contains(kPassword));            // ...without the password
}

}  // namespace

TEST_CASE("a password in the storage URL appears in no response and no log line") {
  const std::string url = "postgresql://" + kUser + ":" + kPassword +
                          "@127.0.0.1:" + std::to_string(closed_port()) + "/" + kDatabase;
  SECTION("given as a flag") { check_service({"--storage", url}, {}); }
  SECTION("given in STORAGE_URL") { check_service({}, {{"STORAGE_URL", url}}); }
}

TEST_CASE("a password from the password file appears in no response and no log line") {
  TempDir dir;
  std::ofstream(dir / "password") << kPassword << "\n";
  const std::string url =
      "postgresql://" + kUser + "@127.0.0.1:" + std::to_string(closed_port()) + "/" + kDatabase;
  check_service({"--storage", url, "--storage-password-file", (dir / "password").string()}, {});
}

TEST_CASE("a mistyped storage URL is reported without printing its password") {
  const std::string userinfo = kUser + ":" + kPassword + "@";
  for (const std::string& url : {
           "postgresql://" + userinfo + "[::1/" + kDatabase,
           "postgresq://" + userinfo + "127.0.0.1/" + kDatabase,
           "postgres:/" + userinfo + "127.0.0.1/" + kDatabase,
           "postgresql://" + userinfo + "127.0.0.1:port/" + kDatabase,
           "postgresql://" + userinfo + "127.0.0.1/" + kDatabase + "?sslmode=nonsense",
           "postgresql://" + userinfo + "127.0.0.1/" + kDatabase + "?nonsense=1",
           "postgresql://" + kUser + ":" + kPassword + "%zz@127.0.0.1/" + kDatabase,
       }) {
    INFO(url);
    for (const bool from_env : {false, true}) {
      ServiceProcess s(
          from_env ? std::vector<std::string>{} : std::vector<std::string>{"--storage", url},
          from_env ? std::map<std::string, std::string>{{"STORAGE_URL", url}}
                   : std::map<std::string, std::string>{});
      // Refused at start-up, or (for what libpq only refuses when connecting) not ready: either
      // way what it prints says what is wrong without the password.
      CHECK(eventually([&] {
        return !s.running() ||
               s.output().find("\"msg\":\"storage unavailable\"") != std::string::npos;
      }));
      const auto output = s.output();
      INFO(output);
      CHECK_FALSE(output.empty());                      // it says what is wrong...
      CHECK_THAT(output, !Catch::Contains(kPassword));  // ...without the password
    }
  }
}
