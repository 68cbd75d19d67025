// What a connection may hold beyond its own socket, counted across all I/O threads: bytes of
// request bodies being buffered (one service-wide budget) and connections per client address.
// Both refuse instead of waiting, so that memory stays bounded whatever clients do.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <unordered_map>

#include "service/http/client_address.hpp"

namespace comments::http {

class BodyBudget {
 public:
  explicit BodyBudget(std::size_t limit) : limit_(limit) {}
  // Takes n bytes of the budget; false (nothing taken) when they are not left.
  bool try_take(std::size_t n);
  void give_back(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

class ConnectionsPerClient {
 public:
  explicit ConnectionsPerClient(std::size_t cap) : cap_(cap) {}
  bool enabled() const { return cap_ > 0; }
  // Counts a new connection from the client; false (not counted) beyond the cap.
  bool try_open(const ClientKey& client);
  void close(const ClientKey& client);

 private:
  const std::size_t cap_;
  std::mutex mutex_;
  std::unordered_map<ClientKey, std::size_t, ClientKeyHash> open_;  // no entry at 0
};

}  // namespace comments::http
