// Per-client rate limiting: a token bucket per client key (peer address or a trusted
// X-Forwarded-For hop), shared by all I/O threads, bounded in memory.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace comments::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Verdict {
    bool allowed = true;
    unsigned retry_after_seconds = 0;  // when refused: when one token will be back
  };

  // rate: tokens per second (0 turns limiting off); burst: bucket size.
  RateLimiter(double rate, double burst, std::size_t max_clients = 100000);
  bool enabled() const { return rate_ > 0; }
  Verdict admit(std::string_view client, Clock::time_point now = Clock::now());
  std::size_t tracked_clients() const;

  // The client a request comes from: the peer address, or with trusted_hops > 0 the address the
  // outermost trusted proxy saw (that many entries from the right of X-Forwarded-For).
  static std::string_view client_key(std::string_view peer, std::string_view forwarded_for,
                                     unsigned trusted_hops);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;
  };
  static constexpr std::size_t kShards = 16;

  void sweep(Shard& s, Clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace comments::http
