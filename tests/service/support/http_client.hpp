// A small blocking HTTP/1.1 client for tests (Beast over a socket with receive timeouts).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace comments::testing {

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json() const;  // parses body; throws when it is not JSON
  std::string header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});
  HttpResponse get(const std::string& target) { return request("GET", target); }
  // POST with Content-Type: application/json.
  HttpResponse post_json(const std::string& target, const std::string& body);
  // POSTs one comment; content_id is written as given (a JSON literal: 1 or "\"a\"").
  HttpResponse post_comment(const std::string& email, const std::string& comment,
                            const std::string& content_id_json);

  // Raw bytes out, whatever comes back until the server closes or the timeout (ms) passes.
  std::string raw(const std::string& bytes, int timeout_ms = 5000) {
    return exchange(bytes, timeout_ms).bytes;
  }
  struct Exchange {
    std::string bytes;
    bool closed = false;  // the server closed or reset the connection (else: the timeout passed)
  };
  Exchange exchange(const std::string& bytes, int timeout_ms = 5000);
  bool connected() const { return socket_.is_open(); }
  void close();

 private:
  void connect();
  // Runs what was started on ioc_ until it finishes; closes the socket and throws after timeout.
  void run_for(std::chrono::milliseconds timeout, const char* what);
  std::uint16_t port_;
  std::string host_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// The one page walker: GETs `first`, then each page its `Link: <...>; rel="next"` names, handing
// every response to `page` until there is no next page or `page` returns false.
void walk_pages(HttpClient& client, std::string first,
                const std::function<bool(const HttpResponse&)>& page);

std::string json_string(const std::string& s);  // a JSON string literal of s
std::string text(const boost::json::value& v);  // v's string; throws when v is not a string

}  // namespace comments::testing
