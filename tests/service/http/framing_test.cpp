// Request framing side by side with a real nginx: the same raw bytes, each followed by a canary
// request on the same connection, go to nginx and to the service. nginx is what sits in front of
// the service (an Ingress); wherever the two disagree on where a request ends, a request can be
// smuggled past the proxy. The service must be at least as strict on every row: it never answers
// a request nginx did not see (bytes nginx read as body, or never read), and whatever nginx
// rejects it rejects with a 4xx and closes.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/nginx_process.hpp"
#include "tests/service/support/service_process.hpp"

using namespace comments::testing;

namespace {

namespace http = boost::beast::http;

const std::string kCanary =
    "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: canary\r\nConnection: close\r\n\r\n";
const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\nX-Request-Id: smuggled\r\n\r\n";
const std::string kChunkedSmuggled = "0\r\n\r\n" + kSmuggled;

std::string post(const std::string& fields, const std::string& body,
                 const std::string& version = "1.1") {
  return "POST /api/comment/new HTTP/" + version +
         "\r\nHost: x\r\nX-Request-Id: row\r\nContent-Type: application/json\r\n" + fields +
         "\r\n" + body;
}

std::string get(const std::string& fields = "", const std::string& target = "/healthz",
                const std::string& version = "1.1", const std::string& method = "GET") {
  return method + " " + target + " HTTP/" + version + "\r\nHost: x\r\nX-Request-Id: row\r\n" +
         fields + "\r\n";
}

struct Row {
  std::string name;
  std::string bytes;
};

// Transfer-coding variants, obs-fold, Content-Length, chunk syntax, line endings, field syntax,
// control bytes, request targets and versions, and pipelining.
std::vector<Row> rows() {
  using namespace std::string_literals;
  const std::string chunked = "Transfer-Encoding: chunked\r\n";
  return {
      {"TE gzip without Content-Length", post("Transfer-Encoding: gzip\r\n", kSmuggled)},
      {"TE chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", kSmuggled)},
      {"TE identity, chunked", post("Transfer-Encoding: identity, chunked\r\n", kChunkedSmuggled)},
      {"TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", kChunkedSmuggled)},
      {"TE xchunked with Content-Length",
       post("Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n", "hello" + kSmuggled)},
      {"TE chunked; (trailing junk)", post("Transfer-Encoding: chunked;\r\n", kChunkedSmuggled)},
      {"TE identity and chunked on two lines",
       post("Transfer-Encoding: identity\r\n" + chunked, kChunkedSmuggled)},
      {"TE chunked on two lines", post(chunked + chunked, kChunkedSmuggled)},
      {"TE folded onto a continuation line",
       post("Transfer-Encoding:\r\n chunked\r\n", kChunkedSmuggled)},
      {"TE inside another field's obs-fold",
       post("X-Foo: bar\r\n Transfer-Encoding: chunked\r\n", kChunkedSmuggled)},
      {"TE with a space before the colon",
       post("Transfer-Encoding : chunked\r\n", kChunkedSmuggled)},
      {"TE with a tab before the value",
       post("Transfer-Encoding:\tchunked\r\n", "5\r\nhello\r\n0\r\n\r\n")},
      {"TE with a vertical tab", post("Transfer-Encoding: \x0b"
                                      "chunked\r\n",
                                      kChunkedSmuggled)},
      {"TE CHUNKED in capitals", post("Transfer-Encoding: CHUNKED\r\n", "5\r\nhello\r\n0\r\n\r\n")},
      {"TE chunked on HTTP/1.0 kept alive",
       post(chunked + "Connection: keep-alive\r\n", kChunkedSmuggled, "1.0")},
      {"TE chunked and Content-Length", post(chunked + "Content-Length: 40\r\n", kChunkedSmuggled)},
      {"Content-Length and TE chunked", post("Content-Length: 40\r\n" + chunked, kChunkedSmuggled)},
      {"Content-Length twice, same value",
       post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello" + kSmuggled)},
      {"Content-Length twice, different values",
       post("Content-Length: 5\r\nContent-Length: 0\r\n", "hello" + kSmuggled)},
      {"Content-Length as a list", post("Content-Length: 5, 5\r\n", "hello" + kSmuggled)},
      {"Content-Length with a plus sign", post("Content-Length: +5\r\n", "hello" + kSmuggled)},
      {"Content-Length negative", post("Content-Length: -5\r\n", "hello" + kSmuggled)},
      {"Content-Length in hexadecimal", post("Content-Length: 0x5\r\n", "hello" + kSmuggled)},
      {"Content-Length empty", post("Content-Length: \r\n", kSmuggled)},
      {"Content-Length overflowing",
       post("Content-Length: 99999999999999999999\r\n", "hello" + kSmuggled)},
      {"Content-Length with spaces around", post("Content-Length:  5 \r\n", "hello")},
      {"Content-Length shorter than what follows",
       post("Content-Length: 5\r\n", "hello" + kSmuggled)},
      {"chunk size not hexadecimal", post(chunked, "zz\r\nhello\r\n0\r\n\r\n" + kSmuggled)},
      {"chunk size with 0x", post(chunked, "0x5\r\nhello\r\n0\r\n\r\n" + kSmuggled)},
      {"chunk size overflowing",
       post(chunked, "ffffffffffffffffff1\r\nhello\r\n0\r\n\r\n" + kSmuggled)},
      {"chunk size negative", post(chunked, "-5\r\nhello\r\n0\r\n\r\n" + kSmuggled)},
      {"chunk size followed by a space", post(chunked, "5 \r\nhello\r\n0\r\n\r\n")},
      {"chunk extension", post(chunked, "5;name=value\r\nhello\r\n0\r\n\r\n")},
      {"chunk extension quoted", post(chunked, "5;name=\"v v\"\r\nhello\r\n0\r\n\r\n")},
      {"chunk extension with a control byte", post(chunked, "5;na\x01me\r\nhello\r\n0\r\n\r\n")},
      {"chunk lines ending in bare LF", post(chunked, "5\nhello\n0\n\n" + kSmuggled)},
      {"chunk data longer than its size", post(chunked, "3\r\nhello\r\n0\r\n\r\n" + kSmuggled)},
      {"chunk data without its CRLF", post(chunked, "5\r\nhelloXX0\r\n\r\n" + kSmuggled)},
      {"chunked trailer", post(chunked, "5\r\nhello\r\n0\r\nX-Trailer: a\r\n\r\n")},
      {"Content-Length in a chunked trailer",
       post(chunked, "0\r\nContent-Length: 50\r\n\r\n" + kSmuggled)},
      {"head lines ending in bare LF", "GET /healthz HTTP/1.1\nHost: x\nX-Request-Id: row\n\n"},
      {"one field line ending in bare LF",
       "GET /healthz HTTP/1.1\r\nHost: x\nX-Request-Id: row\r\n\r\n"},
      {"bare CR inside the head", "GET /healthz HTTP/1.1\r\nHost: x\rX-Request-Id: row\r\n\r\n"},
      {"space before a colon", get("X-Foo : bar\r\n")},
      {"field line without a colon", get("X-Foo bar\r\n")},
      {"empty field name", get(": bar\r\n")},
      {"NUL in a field value", get("X-Foo: b\0r\r\n"s)},
      {"control byte in a field value", get("X-Foo: b\x01r\r\n")},
      {"DEL in a field value", get("X-Foo: b\x7fr\r\n")},
      {"NUL in the target", get("", "/heal\0thz"s)},
      {"space in the target", get("", "/heal thz")},
      {"absolute-form target", get("", "http://example.com/healthz")},
      {"absolute-form target, another scheme and host", get("", "https://evil.example/healthz")},
      {"asterisk-form target", get("", "*")},
      {"authority-form target", get("", "example.com:443", "1.1", "CONNECT")},
      {"HTTP/2 connection preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
      {"HTTP/1.2", get("", "/healthz", "1.2")},
      {"HTTP/2.0 request line", get("", "/healthz", "2.0")},
      {"HTTP/0.9 request", "GET /healthz\r\n"},
      {"lower-case method", get("", "/healthz", "1.1", "get")},
      {"unknown method", get("", "/healthz", "1.1", "FOO")},
      {"HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\nX-Request-Id: row\r\n\r\n"},
      {"two Host fields", get("Host: y\r\n")},
      {"two spaces in the request line",
       "GET  /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: row\r\n\r\n"},
      {"tab in the request line", "GET\t/healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: row\r\n\r\n"},
      {"empty line before the request", "\r\n" + get()},
      {"pipelined GETs", get() + get("", "/version")},
      {"pipelined POST then GET", post("Content-Length: 5\r\n", "hello") + get()},
      {"GET with a body holding a request",
       get("Content-Length: " + std::to_string(kSmuggled.size()) + "\r\n") + kSmuggled},
      {"GET with a chunked body", get(chunked) + "0\r\n\r\n"},
  };
}

struct Answer {
  unsigned status;
  std::string id;  // X-Request-Id, "-" when absent
};

struct Outcome {
  std::vector<Answer> answers;
  bool closed = false;

  std::string describe() const {
    std::ostringstream out;
    for (const auto& a : answers) {
      out << a.status << ":" << a.id << " ";
    }
    out << (closed ? "closed" : "left open");
    return out.str();
  }
};

Outcome send(std::uint16_t port, const std::string& bytes) {
  HttpClient client(port);
  const auto exchange = client.exchange(bytes + kCanary, 3000);
  Outcome outcome{{}, exchange.closed};
  std::string_view rest = exchange.bytes;
  while (!rest.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    const auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec || !parser.is_done()) {
      break;  // not HTTP/1.x (nginx answers HTTP/0.9 without a status line), or cut short
    }
    const auto& res = parser.get();
    const auto id = res["X-Request-Id"];
    outcome.answers.push_back({res.result_int(), id.empty() ? "-" : std::string(id)});
    rest.remove_prefix(used);
  }
  return outcome;
}

// Empty when the service was at least as strict as nginx on this row, else why not.
std::string compare(const Outcome& nginx, const Outcome& service) {
  auto answered = service.answers;
  // A last 4xx followed by a close is a rejection: always allowed, it runs nothing.
  const bool rejected = !answered.empty() && answered.back().status >= 400 &&
                        answered.back().status < 500 && service.closed;
  if (rejected) {
    answered.pop_back();
  }
  for (std::size_t i = 0; i < answered.size(); ++i) {
    if (i >= nginx.answers.size()) {
      return "answered a request nginx never saw";
    }
    if (nginx.answers[i].status >= 400) {
      return "nginx rejected request " + std::to_string(i + 1) +
             "; the service did not reject it and close";
    }
    if (answered[i].id != nginx.answers[i].id) {
      return "answered request '" + answered[i].id + "' where nginx answered '" +
             nginx.answers[i].id + "'";
    }
  }
  if (!rejected && (answered.size() != nginx.answers.size() || !service.closed)) {
    return "neither answered what nginx answered nor rejected and closed";
  }
  return {};
}

}  // namespace

TEST_CASE("framing is at least as strict as nginx, row by row, on the same bytes") {
  NginxProcess nginx;
  ServiceProcess service({"--storage", "memory:", "--log-level", "warn"});
  REQUIRE(service.wait_listening());
  const auto table = rows();
  REQUIRE(table.size() >= 30);
  int nginx_rejected = 0;
  for (const auto& row : table) {
    const auto by_nginx = send(nginx.port(), row.bytes);
    const auto by_service = send(service.port(), row.bytes);
    INFO(row.name << "\n  nginx:   " << by_nginx.describe()
                  << "\n  service: " << by_service.describe());
    CHECK(compare(by_nginx, by_service) == "");
    nginx_rejected += !by_nginx.answers.empty() && by_nginx.answers.front().status >= 400;
  }
  // The table exercises both sides of nginx's rules.
  CHECK(nginx_rejected >= 20);
  CHECK(nginx_rejected <= static_cast<int>(table.size()) - 10);
  REQUIRE(service.running());
}

TEST_CASE("the comparison catches a smuggled request and a missing rejection") {
  // Negative controls for compare(): the shapes the service showed before framing was checked.
  const Outcome nginx_read_body{{{200, "row"}, {200, "canary"}}, true};
  const Outcome smuggled{{{400, "row"}, {404, "smuggled"}, {200, "canary"}}, true};
  CHECK(compare(nginx_read_body, smuggled) ==
        "answered request 'smuggled' where nginx answered 'canary'");
  const Outcome nginx_rejected{{{501, "-"}}, true};
  CHECK(compare(nginx_rejected, smuggled) != "");
  const Outcome kept_alive{{{405, "row"}, {200, "canary"}}, true};
  CHECK(compare({{{400, "-"}}, true}, kept_alive) != "");
  const Outcome stalled{{}, false};
  CHECK(compare(nginx_read_body, stalled) != "");
  // And accepts what is right: the same requests, or a rejection with a close.
  CHECK(compare(nginx_read_body, {{{400, "row"}, {200, "canary"}}, true}) == "");
  CHECK(compare(nginx_read_body, {{{400, "-"}}, true}) == "");
  CHECK(compare(nginx_rejected, {{{400, "-"}}, true}) == "");
}
