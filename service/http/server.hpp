// The HTTP server: one io_context and SO_REUSEPORT acceptor per thread, one coroutine per
// connection, limits on connections, in-flight requests, sizes and time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "service/api/router.hpp"
#include "service/metrics/metrics.hpp"

namespace comments::http {

// Filled from config::Config by main; the defaults live in the settings table only.
struct ServerOptions {
  std::string address;
  std::uint16_t port{};
  unsigned threads{};
  std::size_t max_connections{};
  std::size_t max_in_flight{};
  std::size_t max_body_bytes{};
  double rate_limit{};
  double rate_burst{};
  unsigned trusted_proxy_hops{};
  std::vector<std::string> cors_origins{};  // see cors::Policy; none on the admin listener
  std::chrono::milliseconds header_timeout{};
  std::chrono::milliseconds body_timeout{};
  std::chrono::milliseconds idle_timeout{};
  std::size_t max_connections_per_client{};  // 0: no cap
  std::size_t body_memory_budget{};          // request bodies being read, all connections
  // The admin listener: serves what its router serves (the operator endpoints) under its own
  // connection cap, and stays out of the public gauges (open connections, requests in flight).
  bool admin = false;
};

struct Shared;
struct Worker;

class Server {
 public:
  Server(ServerOptions options, api::Router& router, metrics::Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every acceptor and starts the I/O threads. Throws boost::system::system_error.
  void start();
  std::uint16_t port() const { return port_; }

  // Shutdown steps: stop accepting and close idle keep-alive connections; connections busy
  // with a request finish it (answered with Connection: close) and then close.
  void stop_accepting();
  std::size_t open_connections() const;
  // Stops the I/O threads; connections still open are dropped.
  void stop();

 private:
  std::unique_ptr<Shared> shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace comments::http
