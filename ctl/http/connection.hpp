// One HTTP/1.1 connection (plain TCP or TLS) behind a blocking interface: every operation runs on
// a private io_context with a deadline, so a silent peer becomes an error, never a hang. Used by
// the registry client and the smoke check; knows nothing about either.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/tls.hpp"

namespace commentsctl::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using StringRequest = bhttp::request<bhttp::string_body>;
using StringResponse = bhttp::response<bhttp::string_body>;

// The peer could not be reached or broke the exchange (refused, reset, timeout, TLS failure).
class NetworkError : public std::runtime_error {
 public:
  // TlsVerify: the peer's certificate was refused (never worth retrying or downgrading).
  enum class Kind { Connect, Tls, TlsVerify, Io, Timeout, TooLarge };
  NetworkError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct Endpoint {
  std::string host;
  std::string port;
  bool tls = true;

  // "https://host:port", for messages.
  [[nodiscard]] std::string origin() const;
};

struct Timeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds io{60000};  // per read or write, so a long transfer may take longer
};

// True for localhost, 127.0.0.0/8 and ::1: where plain HTTP is allowed without --insecure.
bool is_loopback(const std::string& host);

class Connection {
 public:
  // `tls` is only used when the endpoint speaks TLS; it is shared with the run's other connections.
  Connection(Endpoint endpoint, std::shared_ptr<TlsContext> tls, Timeouts timeouts);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] const Endpoint& endpoint() const { return endpoint_; }
  [[nodiscard]] bool is_open() const;
  void close();

  // Sends `request` (connecting first when needed) and reads the whole response, refusing a
  // body over `max_body` bytes. Throws NetworkError.
  StringResponse exchange(StringRequest& request, std::size_t max_body);

  // Streaming a response body: send the request, read the header, then pull the body in pieces.
  void send(StringRequest& request);
  // `head`: the answer to a HEAD request, which has no body whatever its Content-Length says.
  bhttp::response_parser<bhttp::buffer_body>& read_header(bool head = false);
  // Fills `data` with up to `size` bytes of the body, fewer only at its end; 0 once complete.
  std::size_t read_body(char* data, std::size_t size);

  // Streaming a request body: the header (with Content-Length set by the caller), then pieces,
  // then the response.
  void begin_upload(bhttp::request<bhttp::buffer_body>& request);
  void upload(const char* data, std::size_t size, bool last);
  StringResponse finish_upload(std::size_t max_body);

 private:
  struct Streams;
  void connect();
  template <class Op>
  std::size_t run(Op&& op, const char* what);

  Endpoint endpoint_;
  Timeouts timeouts_;
  std::shared_ptr<TlsContext> tls_;
  boost::asio::io_context ioc_;
  std::unique_ptr<Streams> streams_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> body_parser_;
  std::optional<bhttp::request_serializer<bhttp::buffer_body>> upload_serializer_;
  bhttp::request<bhttp::buffer_body>* upload_request_ = nullptr;
};

}  // namespace commentsctl::http
