// Kept-alive connections per origin: a response hands its connection back once its body is read
// to the end, an upload once its answer is read; anything left half-way is closed.
#include "http/transport.hpp"

namespace commentsctl::http {

namespace {

constexpr std::size_t discard_limit = 64 * 1024;

}  // namespace

StringResponse read_all(Response& response, std::size_t max_body) {
  StringResponse out;
  out.base() = response.header();
  std::string& body = out.body();
  if (auto length = response.content_length(); length && *length <= max_body) {
    body.reserve(static_cast<std::size_t>(*length));
  }
  char piece[16 * 1024];
  while (const std::size_t n = response.read(piece, sizeof piece)) {
    if (body.size() + n > max_body) {
      throw NetworkError(NetworkError::Kind::TooLarge,
                         "the response body is larger than " + std::to_string(max_body) + " bytes");
    }
    body.append(piece, n);
  }
  return out;
}

void discard(Response& response) {
  const auto length = response.content_length();
  if (!length || *length > discard_limit) {
    return;
  }
  char piece[4096];
  try {
    while (response.read(piece, sizeof piece) != 0) {
    }
  } catch (const NetworkError&) {
    // The connection is gone; nothing to keep.
  }
}

class NetworkTransport::NetworkResponse final : public Response {
 public:
  NetworkResponse(NetworkTransport& owner, std::unique_ptr<Connection> connection,
                  bhttp::response_parser<bhttp::buffer_body>& parser)
      : owner_(owner), connection_(std::move(connection)), parser_(parser) {
    if (parser_.is_done()) {
      release();
    }
  }
  ~NetworkResponse() override = default;
  NetworkResponse(const NetworkResponse&) = delete;
  NetworkResponse& operator=(const NetworkResponse&) = delete;

  [[nodiscard]] const ResponseHeader& header() const override { return header_; }
  [[nodiscard]] std::optional<std::uint64_t> content_length() const override { return length_; }

  std::size_t read(char* data, std::size_t size) override {
    if (!connection_) {
      return 0;
    }
    const std::size_t n = connection_->read_body(data, size);
    if (!connection_->is_open() || parser_.is_done()) {
      release();
    }
    return n;
  }

 private:
  void release() {
    if (connection_ && connection_->is_open() && parser_.is_done() && parser_.keep_alive()) {
      owner_.give_back(std::move(connection_));
    }
    connection_.reset();
  }

  NetworkTransport& owner_;
  std::unique_ptr<Connection> connection_;
  bhttp::response_parser<bhttp::buffer_body>& parser_;  // owned by connection_
  ResponseHeader header_ = parser_.get().base();
  std::optional<std::uint64_t> length_ =
      parser_.content_length() ? std::optional<std::uint64_t>(*parser_.content_length())
                               : std::nullopt;
};

class NetworkTransport::NetworkUpload final : public Upload {
 public:
  NetworkUpload(NetworkTransport& owner, std::unique_ptr<Connection> connection,
                std::unique_ptr<bhttp::request<bhttp::buffer_body>> request, std::uint64_t length)
      : owner_(owner),
        connection_(std::move(connection)),
        request_(std::move(request)),
        length_(length) {}

  void write(const char* data, std::size_t size) override {
    if (!connection_) {
      throw NetworkError(NetworkError::Kind::Io, "the upload was abandoned");
    }
    sent_ += size;
    connection_->upload(data, size, sent_ >= length_);
  }

  StringResponse finish(std::size_t max_body) override {
    if (!connection_) {
      throw NetworkError(NetworkError::Kind::Io, "the upload was abandoned");
    }
    if (length_ == 0 && sent_ == 0) {
      connection_->upload(nullptr, 0, true);
    }
    auto response = connection_->finish_upload(max_body);
    if (connection_->is_open() && response.keep_alive()) {
      owner_.give_back(std::move(connection_));
    }
    connection_.reset();
    return response;
  }

  void abandon() override {
    if (connection_) {
      connection_->close();
      connection_.reset();
    }
  }

 private:
  NetworkTransport& owner_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<bhttp::request<bhttp::buffer_body>> request_;  // the serializer points into it
  std::uint64_t length_;
  std::uint64_t sent_ = 0;
};

NetworkTransport::NetworkTransport(std::shared_ptr<TlsContext> tls, Timeouts timeouts)
    : tls_(std::move(tls)), timeouts_(timeouts) {}

NetworkTransport::~NetworkTransport() = default;

std::size_t NetworkTransport::idle() const {
  std::size_t n = 0;
  for (const auto& [origin, connections] : idle_) {
    n += connections.size();
  }
  return n;
}

std::unique_ptr<Connection> NetworkTransport::take(const Endpoint& to, bool& reused) {
  auto it = idle_.find(to.origin());
  if (it != idle_.end() && !it->second.empty()) {
    auto connection = std::move(it->second.back());
    it->second.pop_back();
    reused = true;
    return connection;
  }
  reused = false;
  return std::make_unique<Connection>(to, tls_, timeouts_);
}

void NetworkTransport::give_back(std::unique_ptr<Connection> connection) {
  auto& pool = idle_[connection->endpoint().origin()];
  constexpr std::size_t max_idle = 4;
  if (pool.size() < max_idle) {
    pool.push_back(std::move(connection));
  }
}

std::unique_ptr<Response> NetworkTransport::send(const Endpoint& to, StringRequest request) {
  request.prepare_payload();
  for (bool fresh = false;; fresh = true) {
    bool reused = false;
    auto connection = fresh ? std::make_unique<Connection>(to, tls_, timeouts_) : take(to, reused);
    try {
      connection->send(request);
      auto& parser = connection->read_header(request.method() == bhttp::verb::head);
      return std::make_unique<NetworkResponse>(*this, std::move(connection), parser);
    } catch (const NetworkError& e) {
      // A kept-alive connection the server closed in the meantime: once more on a new one.
      if (!reused || e.kind() != NetworkError::Kind::Io) {
        throw;
      }
    }
  }
}

std::unique_ptr<Upload> NetworkTransport::upload(const Endpoint& to, RequestHeader header,
                                                 std::uint64_t length) {
  for (bool fresh = false;; fresh = true) {
    bool reused = false;
    auto connection = fresh ? std::make_unique<Connection>(to, tls_, timeouts_) : take(to, reused);
    auto request = std::make_unique<bhttp::request<bhttp::buffer_body>>(header);
    request->content_length(length);
    try {
      connection->begin_upload(*request);
      return std::make_unique<NetworkUpload>(*this, std::move(connection), std::move(request),
                                             length);
    } catch (const NetworkError& e) {
      if (!reused || e.kind() != NetworkError::Kind::Io) {
        throw;
      }
    }
  }
}

}  // namespace commentsctl::http
