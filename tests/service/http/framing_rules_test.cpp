// Unit tests of the framing rules on raw request heads (the side-by-side table with nginx is in
// framing_test.cpp): where a head ends as bytes trickle in, and each reason to refuse one.
#include <catch2/catch.hpp>
#include <string>

#include "service/http/framing.hpp"

using comments::http::check_request_head;
using comments::http::HeadScanner;

TEST_CASE("a head's end is found the same whether its bytes come at once or one by one") {
  const std::string head = "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
  const std::string bytes = head + "{}GET / HTTP/1.1\r\n";
  CHECK(HeadScanner().scan(bytes).length == head.size());
  HeadScanner trickle;
  std::size_t found = 0;
  for (std::size_t n = 1; n <= bytes.size() && found == 0; ++n) {
    const auto r = trickle.scan(std::string_view(bytes).substr(0, n));
    REQUIRE(r.error.empty());
    found = r.length;
  }
  CHECK(found == head.size());
}

TEST_CASE("bare LF, bare CR and NUL are refused before the head is complete") {
  CHECK(HeadScanner().scan("GET / HTTP/1.1\nHost").error == "bare LF in the request head");
  CHECK(HeadScanner().scan("GET / HTTP/1.1\r\nHo\rst").error == "bare CR in the request head");
  CHECK(HeadScanner().scan(std::string("GET /\0", 6)).error == "NUL in the request head");
  CHECK(HeadScanner().scan("\r\nGET / HTTP/1.1\r\n").error == "empty line before the request line");
  // A CR at the end of what arrived so far waits for the next byte.
  HeadScanner scanner;
  CHECK(scanner.scan("GET / HTTP/1.1\r").error.empty());
  CHECK(scanner.scan("GET / HTTP/1.1\r\nHost: x\r\n\r\n").length == 27);
}

TEST_CASE("ordinary requests pass the framing rules") {
  for (const char* head : {
           "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET /healthz HTTP/1.0\r\n\r\n",
           "GET http://example.com/healthz HTTP/1.1\r\nHost: example.com\r\n\r\n",
           "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Length:  42 \r\n\r\n",
           "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n",
           "GET / HTTP/1.1\r\nhost: x\r\nX-Tab:\tvalue\twith tabs\r\nX-Empty:\r\n\r\n",
       }) {
    INFO(head);
    CHECK(check_request_head(head) == "");
  }
}

TEST_CASE("each ambiguous framing has its reason") {
  const std::pair<const char*, const char*> cases[] = {
      {"get / HTTP/1.1\r\nHost: x\r\n\r\n", "malformed method"},
      {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "malformed request line"},
      {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", "malformed request target"},
      {"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", "malformed request target"},
      {"GET / HTTP/1.2\r\nHost: x\r\n\r\n",
       "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 only)"},
      {"PRI * HTTP/2.0\r\n\r\n", "malformed request target"},
      {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "obsolete line folding in a header field"},
      {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "malformed header field name"},
      {"GET / HTTP/1.1\r\nHost x\r\n\r\n", "malformed header field"},
      {"GET / HTTP/1.1\r\nHost: x\x01\r\n\r\n", "control character in a header field"},
      {"GET / HTTP/1.1\r\n\r\n", "missing Host header"},
      {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "repeated Host header"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
       "repeated Content-Length header"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n", "malformed Content-Length"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", "malformed Content-Length"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\t1\r\n\r\n", "malformed Content-Length"},
      {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n",
       "malformed Content-Length"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
       "unsupported Transfer-Encoding (only chunked)"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "unsupported Transfer-Encoding (only chunked)"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n",
       "unsupported Transfer-Encoding (only chunked)"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       "repeated Transfer-Encoding header"},
      {"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       "Transfer-Encoding in an HTTP/1.0 request"},
      {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
       "both Content-Length and Transfer-Encoding"},
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n", "empty line inside the request head"},
      {"GET / HTTP/1.1\r\nHost: x\r\n", "incomplete request head"},
  };
  for (const auto& [head, reason] : cases) {
    INFO(head);
    CHECK(check_request_head(head) == reason);
  }
}
