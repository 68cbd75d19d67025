// Operations: probes, version, metrics (checked by promtool), configuration errors, the
// healthcheck subcommand and the SIGTERM sequence.
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

namespace {

std::string run_capture(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) {
    out.append(buf, n);
  }
  rc = pclose(p);
  return out;
}

}  // namespace

TEST_CASE("liveness, readiness and version answer JSON") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto health = c.get("/healthz");
  CHECK(health.status == 200);
  CHECK(text(health.json().at("status")) == "OK");
  auto ready = c.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(text(ready.json().at("status")) == "READY");
  auto version = c.get("/version");
  CHECK(version.status == 200);
  CHECK(version.json().at("version").as_string().size() > 0);
  CHECK(version.json().at("revision").as_string().size() > 0);
  CHECK_FALSE(version.json().as_object().contains("digest"));  // no IMAGE_DIGEST given
  CHECK(c.request("HEAD", "/healthz").status == 200);
}

TEST_CASE("/version reports the image digest the manifests pass in, and refuses a malformed one") {
  const std::string digest = "sha256:" + std::string(64, 'a');
  ServiceProcess s({"--storage", "memory:"}, {{"IMAGE_DIGEST", digest}});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  CHECK(text(c.get("/version").json().at("digest")) == digest);
  auto bad = run_service_command({"--storage", "memory:"}, {{"IMAGE_DIGEST", "sha256:xyz"}});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("IMAGE_DIGEST") || Catch::Contains("--image-digest"));
}

TEST_CASE("metrics are labelled by route template and pass promtool check metrics") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  REQUIRE(c.post_comment("a@example.com", "x", "123").status == 200);
  REQUIRE(c.get("/api/comment/list/123").status == 200);
  REQUIRE(c.get("/api/comment/list/456").status == 404);
  REQUIRE(c.get("/nope").status == 404);
  auto m = c.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK_THAT(m.header("Content-Type"), Catch::StartsWith("text/plain; version=0.0.4"));
  const auto& t = m.body;
  CHECK_THAT(
      t,
      Catch::Contains(
          R"(http_requests_total{code="200",method="GET",route="/api/comment/list/{content_id}"} 1)"));
  CHECK_THAT(
      t,
      Catch::Contains(
          R"(http_requests_total{code="404",method="GET",route="/api/comment/list/{content_id}"} 1)"));
  CHECK_THAT(t, Catch::Contains(
                    R"(http_requests_total{code="200",method="POST",route="/api/comment/new"} 1)"));
  CHECK_THAT(
      t, Catch::Contains(R"(http_requests_total{code="404",method="GET",route="unmatched"} 1)"));
  CHECK_THAT(t, Catch::Contains("http_request_duration_seconds_bucket{"));
  CHECK_THAT(t, Catch::Contains("comments_created_total 1"));
  CHECK_THAT(t, Catch::Contains("http_requests_in_flight "));
  CHECK_THAT(
      t,
      Catch::Contains(
          "storage_operation_duration_seconds_count{backend=\"memory\",operation=\"append\"} 1"));
  CHECK_THAT(t, Catch::Contains("storage_errors_total{backend=\"memory\",operation=\"append\"} 0"));
  CHECK_THAT(t, Catch::Contains("process_resident_memory_bytes "));
  CHECK_THAT(t, Catch::Contains("process_cpu_seconds_total "));
  CHECK_THAT(t, Catch::Contains("process_open_fds "));
  CHECK_THAT(t, Catch::Contains("process_start_time_seconds "));
  CHECK_THAT(t, Catch::Contains("comments_build_info{"));
  CHECK_THAT(t, !Catch::Contains("/api/comment/list/123"));

  TempDir dir;
  { std::ofstream(dir / "metrics.txt") << t; }
  int rc = 0;
  auto out =
      run_capture("promtool check metrics < " + (dir / "metrics.txt").string() + " 2>&1", rc);
  INFO(out);
  CHECK(rc == 0);
}

TEST_CASE("configuration errors print what is wrong and exit 2") {
  auto port = run_service_command({"--port", "eighty"});
  CHECK(port.exit_code == 2);
  CHECK_THAT(port.output, Catch::Contains("--port"));
  auto level = run_service_command({}, {{"LOG_LEVEL", "loud"}});
  CHECK(level.exit_code == 2);
  CHECK_THAT(level.output, Catch::Contains("loud"));
  auto storage = run_service_command({"--storage", "floppy:/a"});
  CHECK(storage.exit_code == 2);
  // The settings table's format refuses it before storage opens, naming the flag and the form
  // but not the value, which may hold a password.
  CHECK_THAT(storage.output, Catch::Contains("--storage: must be memory:, sqlite:<path> "
                                             "or postgresql://"));
  CHECK_THAT(storage.output, !Catch::Contains("floppy"));
  auto help = run_service_command({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Catch::Contains("--storage") && Catch::Contains("STORAGE_URL"));
  auto version = run_service_command({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.output, Catch::StartsWith("comments-service "));
}

TEST_CASE("a port in use is reported and exits 1") {
  ServiceProcess first({"--storage", "memory:", "--listen", "127.0.0.1"});
  REQUIRE(first.wait_listening());
  // Same port, without the other process's user: bind fails only if not SO_REUSEPORT-compatible,
  // so use an address that is not local instead.
  auto r = run_service_command({"--storage", "memory:", "--listen", "192.0.2.1", "--port", "0"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("cannot listen"));
}

TEST_CASE("the healthcheck subcommand exits 0 when healthy and 1 otherwise") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  auto ok = run_service_command(
      {"healthcheck", "http://127.0.0.1:" + std::to_string(s.port()) + "/healthz"});
  CHECK(ok.exit_code == 0);
  auto via_env = run_service_command({"healthcheck"}, {{"PORT", std::to_string(s.port())}});
  CHECK(via_env.exit_code == 0);
  s.signal(SIGKILL);
  s.wait_exit();
  auto down = run_service_command({"healthcheck",
                                   "http://127.0.0.1:" + std::to_string(s.port()) + "/healthz",
                                   "--timeout", "500ms"});
  CHECK(down.exit_code == 1);
  auto not_found = run_service_command({"healthcheck", "not a url"});
  CHECK(not_found.exit_code == 1);
}

TEST_CASE("SIGTERM: readiness fails at once, serving goes on for the delay, then a clean exit") {
  ServiceProcess s({"--storage", "memory:", "--shutdown-delay", "1500ms", "--drain-timeout", "5s"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  REQUIRE(c.get("/readyz").status == 200);
  const auto t0 = std::chrono::steady_clock::now();
  s.signal(SIGTERM);
  CHECK(eventually([&] { return c.get("/readyz").status == 503; }, 1s));
  auto ready = c.get("/readyz");
  CHECK(text(ready.json().at("message")) == "shutting down");
  CHECK(c.get("/healthz").status == 200);  // liveness holds
  CHECK(c.post_comment("a@example.com", "during the delay", "1").status == 200);
  CHECK(HttpClient(s.port()).get("/healthz").status == 200);  // new connections still accepted
  auto code = s.wait_exit(10s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - t0 >= 1400ms);
  CHECK_THAT(s.output(), Catch::Contains("shutdown: complete"));
}

TEST_CASE("SIGTERM lets a request in flight finish and stores it") {
  TempDir dir;
  const auto db = "sqlite:" + (dir / "c.db").string();
  ServiceProcess s({"--storage", db, "--drain-timeout", "5s"});
  REQUIRE(s.wait_listening());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
  const std::string body = R"({"email":"a@example.com","comment":"in flight","content_id":77})";
  const std::string head =
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(head + body.substr(0, 10)));
  std::this_thread::sleep_for(100ms);
  s.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  REQUIRE(s.running());  // waiting for the request in flight
  boost::asio::write(sock, boost::asio::buffer(body.substr(10)));
  std::string out;
  boost::system::error_code ec;
  char buf[2048];
  for (;;) {
    auto n = sock.read_some(boost::asio::buffer(buf), ec);
    if (ec) {
      break;
    }
    out.append(buf, n);
  }
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(out, Catch::Contains("Connection: close"));
  auto code = s.wait_exit(10s);
  REQUIRE(code);
  CHECK(*code == 0);

  ServiceProcess again({"--storage", db});
  REQUIRE(again.wait_listening());
  auto list = HttpClient(again.port()).get("/api/comment/list/77");
  REQUIRE(list.status == 200);
  CHECK(text(list.json().as_array().at(0).at("comment")) == "in flight");
}

TEST_CASE("a second signal exits at once") {
  ServiceProcess s({"--storage", "memory:", "--shutdown-delay", "30s"});
  REQUIRE(s.wait_listening());
  s.signal(SIGTERM);
  REQUIRE(
      eventually([&] { return s.output().find("readiness failing") != std::string::npos; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  s.signal(SIGINT);
  auto code = s.wait_exit(5s);
  REQUIRE(code);
  CHECK(*code == 128 + SIGINT);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("access lines gathered in memory are all written at a graceful shutdown") {
  // Access lines are written in batches (every 100 ms at most); the ones still gathered when
  // SIGTERM arrives must reach the log before the process exits.
  ServiceProcess s({"--storage", "memory:", "--shutdown-delay", "0s"});
  REQUIRE(s.wait_listening());
  constexpr int kRequests = 200;
  HttpClient client(s.port());
  for (int i = 0; i < kRequests; ++i) {
    client.request("GET", "/api/comment/list/1", {},
                   {{"X-Request-Id", "batch-" + std::to_string(i) + "-end"}});
  }
  s.signal(SIGTERM);
  auto code = s.wait_exit(10s);
  REQUIRE(code);
  CHECK(*code == 0);
  const auto out = s.output();
  std::size_t last = 0;
  for (int i = 0; i < kRequests; ++i) {
    const auto at = out.find("\"batch-" + std::to_string(i) + "-end\"");
    REQUIRE(at != std::string::npos);
    CHECK(at > last);  // in the order the requests were answered
    last = at;
  }
  CHECK(out.rfind("shutdown: complete") > last);
}

TEST_CASE("access logs are JSON lines with the request id and warn turns them off") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient(s.port()).request("GET", "/api/comment/list/1", {}, {{"X-Request-Id", "trace-me-1"}});
  REQUIRE(eventually([&] { return s.output().find("trace-me-1") != std::string::npos; }, 5s));
  const auto out = s.output();
  const auto line_start = out.rfind('\n', out.find("trace-me-1")) + 1;
  const auto line = out.substr(line_start, out.find('\n', line_start) - line_start);
  auto v = boost::json::parse(line);
  CHECK(text(v.at("level")) == "info");
  CHECK(text(v.at("msg")) == "request");
  CHECK(text(v.at("method")) == "GET");
  CHECK(text(v.at("route")) == "/api/comment/list/{content_id}");
  CHECK(v.at("status") == 404);
  CHECK(v.at("duration_ms").is_double());
  CHECK(v.as_object().contains("time"));

  ServiceProcess quiet({"--storage", "memory:", "--log-level", "warn"});
  REQUIRE(quiet.wait_listening());  // start-up lines are written whatever the level
  REQUIRE(HttpClient(quiet.port()).get("/healthz").status == 200);
  std::this_thread::sleep_for(100ms);
  CHECK_THAT(quiet.output(), !Catch::Contains("\"msg\":\"request\""));
}
