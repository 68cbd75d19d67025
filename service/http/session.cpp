// One connection: read a request under a deadline per phase, handle it, write the answer, repeat
// while keep-alive. Every protocol error becomes a JSON error and a lingering close, or a closed
// connection, never a crash.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/range/iterator_range.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "service/api/responses.hpp"
#include "service/http/framing.hpp"
#include "service/http/wire.hpp"
#include "service/http/worker.hpp"
#include "service/log/logger.hpp"

namespace comments::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Lingering close bounds (nginx: lingering_time 30 s, lingering_timeout 5 s, no byte bound).
constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr auto kLingerIdle = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = 8 * 1024 * 1024;
constexpr std::size_t kIdleBufferBytes = 8 * 1024;
// What a large answer (a widget asset, /metrics) grew the output buffer to is not kept.
constexpr std::size_t kKeptOutputBytes = 16 * 1024;

std::string_view method_label(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return "GET";
    case bhttp::verb::head:
      return "HEAD";
    case bhttp::verb::post:
      return "POST";
    default:
      return "OTHER";
  }
}

// Keeps the worker's view of its connections and the shared counters right on every exit path.
class Registration {
 public:
  Registration(Shared& shared, Worker& worker, SessionState& state, const asio::ip::address& peer)
      : shared_(shared),
        worker_(worker),
        it_(worker.sessions.insert(worker.sessions.end(), &state)),
        peer_(key_of(peer)) {}
  ~Registration() {
    worker_.sessions.erase(it_);
    shared_.connections.fetch_sub(1, std::memory_order_relaxed);
    if (shared_.per_client.enabled()) {
      shared_.per_client.close(peer_);
    }
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Shared& shared_;
  Worker& worker_;
  std::list<SessionState*>::iterator it_;
  ClientKey peer_;
};

// The part of the body budget one request holds, given back when the request is done.
class BodyCharge {
 public:
  BodyCharge(BodyBudget& budget, std::size_t bytes) : budget_(budget), bytes_(bytes) {}
  ~BodyCharge() { budget_.give_back(bytes_); }
  BodyCharge(const BodyCharge&) = delete;
  BodyCharge& operator=(const BodyCharge&) = delete;

 private:
  BodyBudget& budget_;
  std::size_t bytes_;
};

class Session {
 public:
  Session(Shared& shared, Worker& worker, tcp::socket socket, asio::ip::address peer)
      : shared_(shared), worker_(worker), stream_(std::move(socket)), peer_(std::move(peer)) {}

  asio::awaitable<void> run() {
    SessionState state{&stream_, false};
    Registration registration(shared_, worker_, state, peer_);
    const auto& opt = shared_.options;
    // A new connection is under the header timeout from its first moment, as nginx's
    // client_header_timeout: one that never sends a byte must not hold a slot for the idle timeout.
    stream_.expires_after(opt.header_timeout);
    bool first = true;
    for (;;) {
      if (buffer_.size() == 0) {
        if (buffer_.capacity() > kIdleBufferBytes) {
          buffer_.shrink_to_fit();  // what a large head grew is not kept while idle
        }
        // Between requests: wait for the first byte (of a later request: under the idle timeout).
        if (shared_.stopping.load(std::memory_order_relaxed)) {
          break;
        }
        state.idle = true;
        if (!first) {
          stream_.expires_after(opt.idle_timeout);
        }
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kTuple);
        state.idle = false;
        if (ec) {
          break;
        }
        buffer_.commit(n);
      }
      if (!first) {
        stream_.expires_after(opt.header_timeout);  // from the request's first byte
      }
      first = false;

      bhttp::request_parser<bhttp::string_body> parser;
      if (!co_await read_head(parser)) {
        break;
      }
      if (auto length = parser.content_length(); length && *length > opt.max_body_bytes) {
        co_await reject(bhttp::status::payload_too_large,
                        "request body larger than " + std::to_string(opt.max_body_bytes) + " bytes",
                        &parser.get());
        break;
      }
      std::optional<BodyCharge> charge;
      if (!parser.is_done()) {
        // The body is buffered whole before the request is handled: it takes its Content-Length
        // (a chunked one: the largest body) from the service-wide budget, or gets a 503. Without
        // it, thousands of stalled bodies each held their full size.
        const std::size_t bytes = parser.content_length().value_or(opt.max_body_bytes);
        if (!shared_.bodies.try_take(bytes)) {
          shared_.metrics.requests_shed().Increment();
          co_await reject(bhttp::status::service_unavailable,
                          "too many request bodies in progress; retry later", &parser.get(), true);
          break;
        }
        charge.emplace(shared_.bodies, bytes);
        if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
          stream_.expires_after(opt.body_timeout);
          auto [cec, cn] = co_await bhttp::async_write(stream_, cont, kTuple);
          if (cec) {
            break;
          }
        }
        stream_.expires_after(opt.body_timeout);
        auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
        if (bec) {
          if (bec == bhttp::error::body_limit) {
            co_await reject(
                bhttp::status::payload_too_large,
                "request body larger than " + std::to_string(opt.max_body_bytes) + " bytes",
                &parser.get());
          } else if (bec == beast::error::timeout) {
            // Closed on timeout, like a slow header.
          } else if (bec != bhttp::error::end_of_stream && bec != asio::error::eof &&
                     bec != asio::error::connection_reset) {
            co_await reject(bhttp::status::bad_request, "malformed HTTP request body",
                            &parser.get());
          }
          break;
        }
      }

      const bool keep = co_await answer(parser.get());
      if (!keep) {
        break;
      }
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

 private:
  // Handles one complete request; returns whether the connection stays open.
  asio::awaitable<bool> answer(const api::Request& req) {
    const auto t0 = std::chrono::steady_clock::now();
    api::Handled handled;
    const std::size_t busy = shared_.in_flight.fetch_add(1, std::memory_order_relaxed);
    const auto client = req.target().starts_with("/api/") ? client_of(req) : peer_;
    if (auto preflight = preflight_of(req)) {
      // Before rate limiting and shedding, like probes: cheap, and refusing one would hide
      // the real answer (a 429 or 503 the page could read) behind a CORS failure.
      handled = {std::move(*preflight), api::route_of(req.target())};
    } else if (auto limited = rate_limited(req, client)) {
      handled = std::move(*limited);
    } else if (busy >= shared_.options.max_in_flight && req.target().starts_with("/api/")) {
      // Only API work is shed: a liveness probe answered 503 under load gets the pod restarted,
      // which makes the overload worse. Probes and /metrics are cheap and never touch storage.
      shared_.metrics.requests_shed().Increment();
      handled.response =
          api::error_response(bhttp::status::service_unavailable, "server overloaded; retry later");
      handled.response.set(bhttp::field::retry_after, "1");
    } else {
      handled = co_await shared_.router.handle(req, client);
    }
    shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);

    auto& res = handled.response;
    shared_.cors.decorate(req, res);
    const std::string id = worker_.request_ids.next(req["X-Request-Id"]);
    const bool keep = req.keep_alive() && !shared_.stopping.load(std::memory_order_relaxed);
    finish(res, req.version(), keep, req.method() == bhttp::verb::head);
    res.set("X-Request-Id", id);
    stream_.expires_after(shared_.options.body_timeout);
    beast::error_code ec;
    std::size_t written = 0;
    if (serializable(res)) {
      serialize(res, output_);
      std::tie(ec, written) = co_await asio::async_write(stream_, asio::buffer(output_), kTuple);
      if (output_.capacity() > kKeptOutputBytes) {
        output_ = std::string();
      }
    } else {
      std::tie(ec, written) = co_await bhttp::async_write(stream_, res, kTuple);
    }
    record(t0, req.method(), handled.route, res.result_int(), written, id);
    co_return !ec && keep;
  }

  // The answer to a CORS preflight of an API route, on a listener that serves the API.
  std::optional<api::Response> preflight_of(const api::Request& req) const {
    if (!shared_.router.scope().api) {
      return std::nullopt;  // the router's 404
    }
    return shared_.cors.preflight(req);
  }

  // The address the request comes from: the peer, or behind trusted proxies X-Forwarded-For's.
  asio::ip::address client_of(const api::Request& req) const {
    std::vector<std::string_view> forwarded;
    if (shared_.options.trusted_proxy_hops > 0) {
      for (const auto& f : boost::make_iterator_range(req.equal_range("X-Forwarded-For"))) {
        forwarded.push_back(f.value());
      }
    }
    return client_address(peer_, forwarded, shared_.options.trusted_proxy_hops);
  }

  // A 429 when the per-client rate limit refuses this API request (probes are never limited).
  std::optional<api::Handled> rate_limited(const api::Request& req,
                                           const asio::ip::address& client) {
    if (!shared_.limiter.enabled() || !req.target().starts_with("/api/")) {
      return std::nullopt;
    }
    const auto verdict = shared_.limiter.admit(key_of(client));
    if (verdict.allowed) {
      return std::nullopt;
    }
    shared_.metrics.requests_rate_limited().Increment();
    const auto retry = std::to_string(verdict.retry_after_seconds);
    api::Handled h{api::error_response(bhttp::status::too_many_requests,
                                       "rate limit exceeded; retry after " + retry + " s"),
                   api::route_of(req.target())};
    h.response.set(bhttp::field::retry_after, retry);
    return h;
  }

  static void finish(api::Response& res, unsigned version, bool keep, bool head) {
    res.version(version);
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(keep);
    if (res.result() != bhttp::status::not_modified) {  // a 304 has no body and no Content-Length
      res.prepare_payload();
    }
    if (head) {
      res.body().clear();  // Content-Length stays that of the GET answer
    }
  }

  // Reads the request head into the parser under the deadline already set. Bytes whose framing
  // is ambiguous (framing.hpp) are refused before Beast sees them. False when the connection is
  // to be closed: answered 4xx, or timed out or closed by the client (nothing to answer).
  asio::awaitable<bool> read_head(bhttp::request_parser<bhttp::string_body>& parser) {
    HeadScanner scanner;
    std::size_t length = 0;
    for (;;) {
      const auto data = buffer_.data();
      const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
      const auto scanned = scanner.scan(bytes);
      if (!scanned.error.empty()) {
        co_await reject(bhttp::status::bad_request,
                        "malformed HTTP request: " + std::string(scanned.error));
        co_return false;
      }
      if (scanned.length > kMaxHeadBytes ||
          (scanned.length == 0 && bytes.size() >= kMaxHeadBytes)) {
        co_await reject(bhttp::status::request_header_fields_too_large,
                        "request headers too large");
        co_return false;
      }
      if (scanned.length > 0) {
        length = scanned.length;
        if (auto error = check_request_head(bytes.substr(0, length)); !error.empty()) {
          co_await reject(bhttp::status::bad_request,
                          "malformed HTTP request: " + std::string(error));
          co_return false;
        }
        break;
      }
      auto [ec, n] = co_await stream_.async_read_some(
          buffer_.prepare(std::min<std::size_t>(4096, kMaxHeadBytes - bytes.size())), kTuple);
      if (ec) {
        co_return false;  // a timeout closed the socket (as nginx does for slow headers), or the
                          // client left
      }
      buffer_.commit(n);
    }
    parser.header_limit(kMaxHeadBytes);
    parser.body_limit(shared_.options.max_body_bytes);
    beast::error_code ec;
    const auto used = parser.put(asio::buffer(buffer_.data().data(), length), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::body_limit) {  // a Content-Length over the limit
      co_await reject(
          bhttp::status::payload_too_large,
          "request body larger than " + std::to_string(shared_.options.max_body_bytes) + " bytes",
          &parser.get());
      co_return false;
    }
    if (ec || !parser.is_header_done()) {
      co_await reject(bhttp::status::bad_request, "malformed HTTP request");
      co_return false;
    }
    co_return true;
  }

  // Answers a request that could not be read whole, then the caller closes the connection.
  // req: the request's head when it was read, so that an allowed page can read the answer.
  asio::awaitable<void> reject(bhttp::status status, std::string message,
                               const api::Request* req = nullptr, bool retry = false) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto method = req != nullptr ? req->method() : bhttp::verb::unknown;
    auto res = api::error_response(status, message);
    if (retry) {
      res.set(bhttp::field::retry_after, "1");
    }
    if (req != nullptr) {
      shared_.cors.decorate(*req, res);
    }
    finish(res, 11, false, false);
    stream_.expires_after(std::chrono::seconds(2));
    auto [ec, written] = co_await bhttp::async_write(stream_, res, kTuple);
    record(t0, method, api::Route::unmatched, res.result_int(), written, {});
    if (!ec) {
      co_await linger();
    }
  }

  // Lingering close, as nginx does: after an early answer the client may still be sending (a
  // body we refused, the rest of a bad request). Closing with unread bytes resets the connection,
  // and the reset can destroy the answer before the client reads it. So: send FIN, then read and
  // discard until the client closes too, for a bounded time and number of bytes.
  asio::awaitable<void> linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    // What lingers holds no buffer of its own: thousands may linger at once.
    buffer_.clear();
    buffer_.shrink_to_fit();
    const auto deadline = std::chrono::steady_clock::now() + kLingerTime;
    std::size_t discarded = 0;
    while (discarded < kLingerBytes) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) {
        break;
      }
      // A client that stops sending without closing is given kLingerIdle, not the whole time.
      stream_.expires_after(std::min<std::chrono::steady_clock::duration>(left, kLingerIdle));
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(worker_.discard), kTuple);
      if (ec) {
        break;
      }
      discarded += n;
    }
  }

  void record(std::chrono::steady_clock::time_point t0, bhttp::verb method, api::Route route,
              unsigned code, std::size_t bytes, std::string_view id) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto m = method_label(method);
    auto& series = shared_.metrics.request(static_cast<std::size_t>(route), m, code);
    series.count->Increment();
    series.duration->Observe(seconds);
    if (log::enabled(log::Level::info)) {
      log::info("request", {{"method", m},
                            {"route", api::route_template(route)},
                            {"status", code},
                            {"duration_ms", seconds * 1000.0},
                            {"bytes", bytes},
                            {"request_id", id}});
    }
  }

  Shared& shared_;
  Worker& worker_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string output_;  // the answer's bytes (wire.hpp), reused across keep-alive requests
  asio::ip::address peer_;
};

}  // namespace

asio::awaitable<void> run_session(Shared& shared, Worker& worker, tcp::socket socket,
                                  asio::ip::address client) {
  Session session(shared, worker, std::move(socket), client);
  co_await session.run();
}

}  // namespace comments::http
