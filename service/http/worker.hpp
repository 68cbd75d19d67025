// Internal to http/: the state one I/O thread owns, and what all threads share.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <atomic>
#include <list>
#include <optional>
#include <thread>

#include "service/http/rate_limiter.hpp"
#include "service/http/request_id.hpp"
#include "service/http/server.hpp"

namespace comments::http {

struct Shared {
  Shared(ServerOptions o, api::Router& r, metrics::Metrics& m)
      : options(std::move(o)),
        router(r),
        metrics(m),
        limiter(options.rate_limit, options.rate_burst) {}
  ServerOptions options;
  api::Router& router;
  metrics::Metrics& metrics;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  RateLimiter limiter;
};

// A connection as the worker sees it, so shutdown can close the idle ones.
struct SessionState {
  boost::beast::tcp_stream* stream = nullptr;
  bool idle = false;
};

struct Worker {
  std::list<SessionState*> sessions;  // only touched on this worker's thread
  RequestIds request_ids;
  boost::asio::io_context ioc{1};
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::thread thread;
};

boost::asio::awaitable<void> run_session(Shared& shared, Worker& worker,
                                         boost::asio::ip::tcp::socket socket);

}  // namespace comments::http
