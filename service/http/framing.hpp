// Request framing checked on the raw bytes of a request head, before Beast parses it: the rules
// of RFC 9112 that decide where a request ends, applied at least as strictly as nginx, so that no
// byte a proxy in front reads as body can be read here as a request of its own (smuggling).
#pragma once

#include <cstddef>
#include <string_view>

namespace comments::http {

// The largest request head (request line and header fields) read; beyond it: 431.
constexpr std::size_t kMaxHeadBytes = 16 * 1024;

// Finds the end of a request head as bytes arrive. Each call resumes where the last one stopped.
class HeadScanner {
 public:
  struct Result {
    std::size_t length = 0;  // the head's length including its empty line; 0: not complete yet
    std::string_view error;  // why these bytes cannot start a valid request (then reject: 400)
  };
  Result scan(std::string_view bytes);

 private:
  std::size_t scanned_ = 0;
};

// Checks a complete head (request line, field lines, empty line). Returns why it must be refused
// with 400 and the connection closed, or an empty view when its framing is unambiguous:
// - request line: upper-case method, origin-form or absolute-form target, HTTP/1.0 or HTTP/1.1,
//   single spaces;
// - field lines end in CRLF, no obs-fold, no whitespace before the colon, no control characters;
// - exactly one Host in HTTP/1.1, at most one in HTTP/1.0;
// - at most one Content-Length, made of digits; at most one Transfer-Encoding, exactly "chunked",
//   never with Content-Length, never in HTTP/1.0.
std::string_view check_request_head(std::string_view head);

}  // namespace comments::http
