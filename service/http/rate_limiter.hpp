// Per-client rate limiting: a token bucket per client address (the peer, or a trusted
// X-Forwarded-For hop: client_address.hpp), shared by all I/O threads, bounded in memory.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

#include "service/http/client_address.hpp"

namespace comments::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Verdict {
    bool allowed = true;
    unsigned retry_after_seconds = 0;  // when refused: when one token will be back
  };

  // rate: tokens per second (0 turns limiting off); burst: bucket size. At most max_clients are
  // tracked; beyond, the least recently seen is forgotten, so a new client is never refused for
  // want of room (a forgotten client starts again with a full bucket).
  RateLimiter(double rate, double burst, std::size_t max_clients = 100000);
  bool enabled() const { return rate_ > 0; }
  Verdict admit(const ClientKey& client, Clock::time_point now = Clock::now());
  std::size_t tracked_clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  struct Entry {
    ClientKey client{};
    Bucket bucket;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> recent;  // most recently seen first
    std::unordered_map<ClientKey, std::list<Entry>::iterator, ClientKeyHash> index;
  };
  static constexpr std::size_t kShards = 16;

  double rate_;
  double burst_;
  std::size_t max_per_shard_;
  ClientKeyHash hash_;
  std::array<Shard, kShards> shards_;
};

}  // namespace comments::http
