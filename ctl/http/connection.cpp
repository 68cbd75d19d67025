// Blocking HTTP/1.1 over Beast: each operation is started asynchronously with a deadline on the
// socket and the private io_context is run until it completes.
#include "http/connection.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/ssl.hpp>

namespace commentsctl::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string Endpoint::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + port;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") {
    return true;
  }
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

struct Connection::Streams {
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
};

namespace {

NetworkError failure(const Endpoint& endpoint, const char* what, const error_code& ec) {
  auto kind = NetworkError::Kind::Io;
  if (ec == beast::error::timeout) {
    kind = NetworkError::Kind::Timeout;
  } else if (ec.category() == asio::error::get_ssl_category() ||
             ec.category() == asio::ssl::error::get_stream_category()) {
    kind = NetworkError::Kind::Tls;
  } else if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    kind = NetworkError::Kind::TooLarge;
  }
  std::string message = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    // OpenSSL's own reason, e.g. "certificate verify failed", says more than the category.
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) {
      message = reason;
    }
    if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      kind = NetworkError::Kind::TlsVerify;
    }
  }
  return {kind, endpoint.origin() + ": " + what + ": " + message};
}

}  // namespace

Connection::Connection(Endpoint endpoint, std::shared_ptr<TlsContext> tls, Timeouts timeouts)
    : endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      tls_(std::move(tls)),
      streams_(std::make_unique<Streams>()) {
  // Beast sizes each read by the buffer's free capacity: a small buffer means a system call per
  // 512 bytes of a streamed blob.
  buffer_.reserve(256 * 1024);
}

Connection::~Connection() = default;

bool Connection::is_open() const { return streams_->tcp.has_value() || streams_->tls.has_value(); }

void Connection::close() {
  body_parser_.reset();
  upload_serializer_.reset();
  upload_request_ = nullptr;
  if (is_open()) {
    error_code ignored;
    streams_->lowest().socket().close(ignored);
  }
  streams_->tls.reset();
  streams_->tcp.reset();
  buffer_.clear();
}

template <class Op>
std::size_t Connection::run(Op&& op, const char* what) {
  error_code result = asio::error::would_block;
  std::size_t bytes = 0;
  auto done = [&](error_code ec, std::size_t n) {
    result = ec;
    bytes = n;
  };
  streams_->lowest().expires_after(timeouts_.io);
  if (streams_->tls) {
    op(*streams_->tls, done);
  } else {
    op(*streams_->tcp, done);
  }
  ioc_.restart();
  ioc_.run();
  if (result == bhttp::error::need_buffer) {
    result = {};
  }
  if (result) {
    close();
    throw failure(endpoint_, what, result);
  }
  return bytes;
}

void Connection::connect() {
  close();
  tcp::resolver resolver(ioc_);
  error_code ec;
  const auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) {
    throw NetworkError(NetworkError::Kind::Connect, endpoint_.origin() + ": cannot resolve " +
                                                        endpoint_.host + ": " + ec.message());
  }
  beast::tcp_stream* lowest = nullptr;
  if (endpoint_.tls) {
    if (!tls_) {
      throw NetworkError(NetworkError::Kind::Tls, endpoint_.origin() + ": no TLS context");
    }
    streams_->tls.emplace(ioc_, tls_->context());
    // The verification settings belong to this stream: the context is shared by every host.
    if (tls_->verify()) {
      streams_->tls->set_verify_mode(asio::ssl::verify_peer);
      streams_->tls->set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
    } else {
      streams_->tls->set_verify_mode(asio::ssl::verify_none);
    }
    lowest = &beast::get_lowest_layer(*streams_->tls);
    error_code parse_ec;
    asio::ip::make_address(endpoint_.host, parse_ec);
    // SNI carries names only, never addresses.
    if (parse_ec &&
        !SSL_set_tlsext_host_name(streams_->tls->native_handle(), endpoint_.host.c_str())) {
      close();
      throw NetworkError(NetworkError::Kind::Tls, endpoint_.origin() + ": cannot set SNI");
    }
  } else {
    streams_->tcp.emplace(ioc_);
    lowest = &*streams_->tcp;
  }
  error_code result = asio::error::would_block;
  lowest->expires_after(timeouts_.connect);
  lowest->async_connect(results, [&](error_code e, const tcp::endpoint&) { result = e; });
  ioc_.restart();
  ioc_.run();
  if (result) {
    close();
    throw NetworkError(
        result == beast::error::timeout ? NetworkError::Kind::Timeout : NetworkError::Kind::Connect,
        endpoint_.origin() + ": cannot connect: " + result.message());
  }
  // Requests and upload headers are small writes followed by a read: without this, Nagle's
  // algorithm can hold a write back until the peer's delayed ACK (as Go's clients, skopeo's
  // among them, set by default).
  error_code ignored;
  lowest->socket().set_option(tcp::no_delay(true), ignored);
  if (endpoint_.tls) {
    result = asio::error::would_block;
    lowest->expires_after(timeouts_.io);
    streams_->tls->async_handshake(asio::ssl::stream_base::client,
                                   [&](error_code e) { result = e; });
    ioc_.restart();
    ioc_.run();
    if (result) {
      close();
      throw failure(endpoint_, "TLS handshake", result);
    }
  }
}

void Connection::send(StringRequest& request) {
  if (!is_open()) {
    connect();
  }
  request.prepare_payload();
  run([&](auto& stream, auto& done) { bhttp::async_write(stream, request, done); },
      "sending the request");
}

StringResponse Connection::exchange(StringRequest& request, std::size_t max_body) {
  const bool reused = is_open();
  try {
    send(request);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    if (request.method() == bhttp::verb::head) {
      parser.skip(true);
    }
    run([&](auto& stream, auto& done) { bhttp::async_read(stream, buffer_, parser, done); },
        "reading the response");
    StringResponse response = parser.release();
    if (!response.keep_alive()) {
      close();
    }
    return response;
  } catch (const NetworkError& e) {
    // A kept-alive connection the server has closed in the meantime: one fresh attempt.
    if (reused && e.kind() == NetworkError::Kind::Io) {
      close();
      return exchange(request, max_body);
    }
    throw;
  }
}

bhttp::response_parser<bhttp::buffer_body>& Connection::read_header(bool head) {
  body_parser_.emplace();
  body_parser_->body_limit(boost::none);
  if (head) {
    body_parser_->skip(true);
  }
  run([&](auto& stream,
          auto& done) { bhttp::async_read_header(stream, buffer_, *body_parser_, done); },
      "reading the response header");
  return *body_parser_;
}

std::size_t Connection::read_body(char* data, std::size_t size) {
  if (!body_parser_) {
    return 0;  // the body ended and the connection is closed
  }
  std::size_t got = 0;
  while (got < size && !body_parser_->is_done()) {
    auto& body = body_parser_->get().body();
    body.data = data + got;
    body.size = size - got;
    run([&](auto& stream, auto& done) { bhttp::async_read(stream, buffer_, *body_parser_, done); },
        "reading the response body");
    got = size - body_parser_->get().body().size;
  }
  if (body_parser_->is_done() && !body_parser_->keep_alive()) {
    close();
  }
  return got;
}

void Connection::begin_upload(bhttp::request<bhttp::buffer_body>& request) {
  if (!is_open()) {
    connect();
  }
  request.body().data = nullptr;
  request.body().size = 0;
  request.body().more = true;
  upload_request_ = &request;
  upload_serializer_.emplace(request);
  run([&](auto& stream,
          auto& done) { bhttp::async_write_header(stream, *upload_serializer_, done); },
      "sending the upload header");
}

void Connection::upload(const char* data, std::size_t size, bool last) {
  auto& body = upload_request_->body();
  body.data = const_cast<char*>(data);  // Beast's buffer_body is mutable; it only reads here
  body.size = size;
  body.more = !last;
  run([&](auto& stream, auto& done) { bhttp::async_write(stream, *upload_serializer_, done); },
      "uploading");
}

StringResponse Connection::finish_upload(std::size_t max_body) {
  upload_serializer_.reset();
  upload_request_ = nullptr;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  run([&](auto& stream, auto& done) { bhttp::async_read(stream, buffer_, parser, done); },
      "reading the upload response");
  StringResponse response = parser.release();
  if (!response.keep_alive()) {
    close();
  }
  return response;
}

}  // namespace commentsctl::http
