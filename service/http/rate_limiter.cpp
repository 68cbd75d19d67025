// Token buckets refilled lazily on each request; full (idle) buckets are dropped when a shard
// reaches its bound, so memory stays bounded however many clients there are.
#include "service/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace comments::http {

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_clients)
    : rate_(rate), burst_(std::max(1.0, burst)), max_per_shard_(std::max<std::size_t>(1, max_clients / kShards)) {}

RateLimiter::Verdict RateLimiter::admit(std::string_view client, Clock::time_point now) {
  if (!enabled()) {
    return {};
  }
  Shard& s = shards_[Hash{}(client) % kShards];
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(client);
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= max_per_shard_) {
      sweep(s, now);
    }
    if (s.buckets.size() >= max_per_shard_) {
      // Every tracked client is active: refuse newcomers rather than grow without bound.
      return {false, 1};
    }
    it = s.buckets.emplace(std::string(client), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / rate_;
  return {false, static_cast<unsigned>(std::max(1.0, std::ceil(wait)))};
}

void RateLimiter::sweep(Shard& s, Clock::time_point now) {
  const double refill_seconds = burst_ / rate_;
  std::erase_if(s.buckets, [&](const auto& kv) {
    return std::chrono::duration<double>(now - kv.second.updated).count() >= refill_seconds;
  });
}

std::size_t RateLimiter::tracked_clients() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

std::string_view RateLimiter::client_key(std::string_view peer, std::string_view forwarded_for,
                                         unsigned trusted_hops) {
  if (trusted_hops == 0 || forwarded_for.empty()) {
    return peer;
  }
  // Walk from the right: the last entry was added by the nearest proxy.
  std::string_view rest = forwarded_for;
  for (unsigned hop = 1;; ++hop) {
    const auto comma = rest.rfind(',');
    std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ') {
      entry.remove_prefix(1);
    }
    while (!entry.empty() && entry.back() == ' ') {
      entry.remove_suffix(1);
    }
    if (hop == trusted_hops) {
      return entry.empty() ? peer : entry;
    }
    if (comma == std::string_view::npos) {
      return peer;  // fewer entries than trusted proxies: the header is not what we expect
    }
    rest = rest.substr(0, comma);
  }
}

}  // namespace comments::http
