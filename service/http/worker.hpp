// Internal to http/: the state one I/O thread owns, and what all threads share.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <list>
#include <optional>
#include <thread>

#include "service/cors/cors.hpp"
#include "service/http/budgets.hpp"
#include "service/http/rate_limiter.hpp"
#include "service/http/request_id.hpp"
#include "service/http/server.hpp"

namespace comments::http {

struct Shared {
  Shared(ServerOptions o, api::Router& r, metrics::Metrics& m)
      : options(std::move(o)),
        router(r),
        metrics(m),
        limiter(options.rate_limit, options.rate_burst),
        bodies(options.body_memory_budget),
        per_client(options.max_connections_per_client),
        cors(options.cors_origins) {}
  ServerOptions options;
  api::Router& router;
  metrics::Metrics& metrics;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  RateLimiter limiter;
  BodyBudget bodies;
  ConnectionsPerClient per_client;
  cors::Policy cors;
};

// A connection as the worker sees it, so shutdown can close the idle ones.
struct SessionState {
  boost::beast::tcp_stream* stream = nullptr;
  bool idle = false;
};

struct Worker {
  std::list<SessionState*> sessions;  // only touched on this worker's thread
  // Where lingering connections of this thread read what they discard (the content is garbage:
  // several reads may land in it, one after another on this thread).
  std::array<char, 16 * 1024> discard{};
  RequestIds request_ids;
  boost::asio::io_context ioc{1};
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::thread thread;
};

// client: the peer's address; counted in shared.per_client when the cap is on.
boost::asio::awaitable<void> run_session(Shared& shared, Worker& worker,
                                         boost::asio::ip::tcp::socket socket,
                                         boost::asio::ip::address client);

}  // namespace comments::http
