// Token buckets refilled lazily on each request, in shards with a least-recently-seen order:
// memory is bounded by max_clients (about 150 bytes each) however many addresses send requests.
#include "service/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace comments::http {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_clients)
    : rate_(rate),
      burst_(std::max(1.0, burst)),
      max_per_shard_(std::max<std::size_t>(1, max_clients / kShards)) {
  for (auto& s : shards_) {
    s.index = decltype(s.index)(0, hash_);
  }
}

RateLimiter::Verdict RateLimiter::admit(const ClientKey& client, Clock::time_point now) {
  if (!enabled()) {
    return {};
  }
  const std::size_t h = hash_(client);
  Shard& s = shards_[(h >> 32 ^ h) % kShards];
  std::lock_guard lock(s.mutex);
  auto found = s.index.find(client);
  std::list<Entry>::iterator it;
  if (found != s.index.end()) {
    it = found->second;
    s.recent.splice(s.recent.begin(), s.recent, it);
  } else {
    if (s.index.size() >= max_per_shard_) {
      // Full: forget the client seen longest ago, reusing its node.
      it = std::prev(s.recent.end());
      s.index.erase(it->client);
      s.recent.splice(s.recent.begin(), s.recent, it);
      *it = Entry{client, Bucket{burst_, now}};
    } else {
      it = s.recent.insert(s.recent.begin(), Entry{client, Bucket{burst_, now}});
    }
    s.index.emplace(client, it);
  }
  Bucket& b = it->bucket;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / rate_;
  return {false, static_cast<unsigned>(std::max(1.0, std::ceil(wait)))};
}

std::size_t RateLimiter::tracked_clients() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.index.size();
  }
  return n;
}

}  // namespace comments::http
