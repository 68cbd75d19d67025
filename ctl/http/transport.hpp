// The transport interface: send a request and read its answer in pieces, or stream a request body
// of known length. The registry session speaks only through it, so its rules can be driven by a
// scripted transport in tests; NetworkTransport is the real one (kept-alive connections over the
// run's TLS context). A transport is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/connection.hpp"

namespace commentsctl::http {

using RequestHeader = bhttp::request_header<>;
using ResponseHeader = bhttp::response_header<>;

// A response whose header has arrived; the body follows in pieces, or is never read (dropping
// the response then drops its connection).
class Response {
 public:
  virtual ~Response() = default;
  [[nodiscard]] virtual const ResponseHeader& header() const = 0;
  // The body's length when the header announced one.
  [[nodiscard]] virtual std::optional<std::uint64_t> content_length() const = 0;
  // Up to `size` bytes of the body, fewer only at its end; 0 once complete. Throws NetworkError.
  virtual std::size_t read(char* data, std::size_t size) = 0;
};

// A request body being streamed: exactly the length its header announced, then the answer.
class Upload {
 public:
  virtual ~Upload() = default;
  // The next piece; the piece that completes the announced length is the last. Throws
  // NetworkError.
  virtual void write(const char* data, std::size_t size) = 0;
  // After the last piece: the response, refusing a body over `max_body` bytes.
  virtual StringResponse finish(std::size_t max_body) = 0;
  // Drops the connection before the last byte, so the server never receives a complete body.
  virtual void abandon() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `request` with its body; returns once the response header is read. Throws
  // NetworkError.
  virtual std::unique_ptr<Response> send(const Endpoint& to, StringRequest request) = 0;
  // Sends the header of a request whose `length` bytes of body follow through the Upload.
  virtual std::unique_ptr<Upload> upload(const Endpoint& to, RequestHeader header,
                                         std::uint64_t length) = 0;
};

// The rest of `response`'s body, refusing more than `max_body` bytes (NetworkError TooLarge).
StringResponse read_all(Response& response, std::size_t max_body);

// Reads and drops a short body so that its connection can serve the next request; a long or
// unannounced one is left unread (its connection is closed with the response).
void discard(Response& response);

class NetworkTransport final : public Transport {
 public:
  NetworkTransport(std::shared_ptr<TlsContext> tls, Timeouts timeouts);
  NetworkTransport(const NetworkTransport&) = delete;
  NetworkTransport& operator=(const NetworkTransport&) = delete;
  ~NetworkTransport() override;

  std::unique_ptr<Response> send(const Endpoint& to, StringRequest request) override;
  std::unique_ptr<Upload> upload(const Endpoint& to, RequestHeader header,
                                 std::uint64_t length) override;

  // Idle kept-alive connections, for tests of reuse.
  [[nodiscard]] std::size_t idle() const;

 private:
  class NetworkResponse;
  class NetworkUpload;
  // An idle connection to `to` (reused = true), else a new one.
  std::unique_ptr<Connection> take(const Endpoint& to, bool& reused);
  void give_back(std::unique_ptr<Connection> connection);

  std::shared_ptr<TlsContext> tls_;
  Timeouts timeouts_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;  // by origin
};

}  // namespace commentsctl::http
