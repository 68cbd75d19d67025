// HTTP-level abuse: malformed requests, oversized headers, slow and idle clients, connection cap.
// Whatever a client sends, the server answers or closes, and keeps serving everyone else.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;

TEST_CASE("garbage instead of HTTP is a 400 and the connection closes") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto out = c.raw("THIS IS NOT HTTP\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 400 Bad Request"));
  CHECK_THAT(out, Catch::Contains("\"status\":\"BAD-REQUEST\""));
  auto binary = c.raw(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n");
  CHECK_THAT(binary, Catch::StartsWith("HTTP/1.1 400"));
  CHECK(HttpClient(s.port()).get("/healthz").status == 200);
}

TEST_CASE("oversized headers are a 431") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto out =
      c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 431"));
}

TEST_CASE("a client too slow with its headers is disconnected after the header timeout") {
  auto s = memory_service({"--header-timeout", "300ms"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  const auto t0 = std::chrono::steady_clock::now();
  auto out = c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n", 5000);  // never finishes the headers
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(out.empty());  // closed without an answer
  CHECK(waited < 3s);
  CHECK(waited >= 250ms);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  auto s = memory_service({"--idle-timeout", "300ms"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto out = c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 200"));  // and then the server closed it
}

TEST_CASE("several requests share one keep-alive connection, pipelined ones too") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.get("/healthz").status == 200);
    REQUIRE(c.connected());
  }
  auto out = c.raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (auto pos = out.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = out.find("HTTP/1.1 200", pos + 1)) {
    ++count;
  }
  CHECK(count == 3);
}

TEST_CASE("HTTP/1.0 and Expect: 100-continue are served") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto old = c.raw("GET /healthz HTTP/1.0\r\n\r\n");
  CHECK_THAT(old, Catch::StartsWith("HTTP/1.0 200"));
  const std::string body = R"({"email":"a@example.com","comment":"x","content_id":1})";
  auto cont = c.raw(
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK_THAT(cont, Catch::StartsWith("HTTP/1.1 100 Continue"));
  CHECK_THAT(cont, Catch::Contains("HTTP/1.1 200 OK"));
}

TEST_CASE("a chunked body over the limit is a 413") {
  auto s = memory_service({"--max-body-bytes", "100"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  std::string chunk(200, 'x');
  auto out = c.raw(
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nc8\r\n" +
      chunk + "\r\n0\r\n\r\n");
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 413"));
}

TEST_CASE("connections beyond the cap are closed at once while existing ones keep working") {
  auto s = memory_service({"--max-connections", "2", "--threads", "1"});
  REQUIRE(s.wait_listening());
  HttpClient a(s.port());
  HttpClient b(s.port());
  REQUIRE(a.get("/healthz").status == 200);
  REQUIRE(b.get("/healthz").status == 200);
  HttpClient third(s.port());
  CHECK(third.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2000).empty());
  CHECK(a.get("/healthz").status == 200);
  a.close();
  CHECK(eventually([&] {
    try {
      return HttpClient(s.port()).get("/healthz").status == 200;
    } catch (...) {
      return false;
    }
  }));
}

TEST_CASE("a flood of bad requests leaves the server serving") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  const std::vector<std::string> attacks{
      "GET / HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /api/comment/new HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
      "10\r\n\r\n{",
      "POST /api/comment/new HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string("GET /\0/ HTTP/1.1\r\n\r\n", 21),
      "GET /api/comment/list/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\n\r\n\r\n",
  };
  for (int round = 0; round < 5; ++round) {
    for (const auto& a : attacks) {
      HttpClient c(s.port());
      c.raw(a, 500);
    }
  }
  REQUIRE(s.running());
  CHECK(HttpClient(s.port()).get("/healthz").status == 200);
}

TEST_CASE(
    "a connection that never sends a byte is closed by the header timeout, not the idle timeout") {
  auto s = memory_service({"--header-timeout", "300ms", "--idle-timeout", "60s"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  const auto t0 = std::chrono::steady_clock::now();
  const auto silent = c.exchange("", 5000);
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(silent.closed);
  CHECK(silent.bytes.empty());
  CHECK(waited < 3s);
  // Once a request was answered, the idle timeout applies between requests.
  HttpClient kept(s.port());
  REQUIRE(kept.get("/healthz").status == 200);
  std::this_thread::sleep_for(600ms);  // longer than the header timeout, far shorter than idle
  CHECK(kept.get("/healthz").status == 200);
  CHECK(kept.connected());
}

TEST_CASE("the 413 for a large body is read by a client that sends it all first: 20 of 20") {
  auto s = memory_service();  // --max-body-bytes 64KiB
  REQUIRE(s.wait_listening());
  const std::string body(2 * 1024 * 1024, 'x');
  const std::string request =
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  int read_413 = 0;
  for (int i = 0; i < 20; ++i) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket sock(ioc);
    sock.open(boost::asio::ip::tcp::v4());
    // A send buffer far smaller than the body, as over any real network: the body is still being
    // sent when the answer comes. A reset while sending is what the client reports (curl: 55).
    sock.set_option(boost::asio::socket_base::send_buffer_size(64 * 1024));
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
    boost::system::error_code ec;
    boost::asio::write(sock, boost::asio::buffer(request), ec);
    std::string answer(64, '\0');
    std::size_t n = 0;
    if (!ec) {
      n = boost::asio::read(sock, boost::asio::buffer(answer), boost::asio::transfer_at_least(12),
                            ec);
    }
    read_413 += answer.substr(0, n).starts_with("HTTP/1.1 413") ? 1 : 0;
  }
  CHECK(read_413 == 20);
  CHECK(HttpClient(s.port()).get("/healthz").status == 200);
}

TEST_CASE("a 400 in the middle of a body is read too, and the connection closes") {
  auto s = memory_service();
  REQUIRE(s.wait_listening());
  // A bad chunk size comes first; the rest of a 1 MiB body follows.
  const std::string request =
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n" +
      std::string(1024 * 1024, 'x');
  HttpClient c(s.port());
  const auto out = c.exchange(request, 10000);
  CHECK_THAT(out.bytes, Catch::StartsWith("HTTP/1.1 400"));
  CHECK(out.closed);
}

TEST_CASE("every X-Forwarded-For line counts: a client's own line does not escape the rate limit") {
  auto s = memory_service({"--rate-limit", "1", "--rate-burst", "3", "--trusted-proxy-hops", "1"});
  REQUIRE(s.wait_listening());
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    // The client writes its own line first; the trusted proxy appends one with the real address.
    HttpClient c(s.port());
    const auto out = c.raw(
        "GET /api/comment/list/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "X-Forwarded-For: 198.51.100." +
            std::to_string(i) +
            "\r\n"
            "X-Forwarded-For: 203.0.113.7\r\n\r\n",
        2000);
    limited += out.starts_with("HTTP/1.1 429") ? 1 : 0;
  }
  CHECK(limited >= 6);
  // Another client behind the same proxy is not affected.
  HttpClient other(s.port());
  CHECK_THAT(other.raw("GET /api/comment/list/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "X-Forwarded-For: 203.0.113.8\r\n\r\n",
                       2000),
             Catch::StartsWith("HTTP/1.1 404"));
}
