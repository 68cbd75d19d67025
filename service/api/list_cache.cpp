// The list cache: per-shard LRU with a byte budget and an invalidation counter.
#include "service/api/list_cache.hpp"

namespace comments::api {

ListCache::ListCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

ListCache::Shard& ListCache::shard(std::string_view content_id) {
  return shards_[Hash{}(content_id) % kShards];
}

void ListCache::erase(Shard& s,
                      std::unordered_map<std::string, Node, Hash, std::equal_to<>>::iterator it) {
  s.bytes -= it->second.size;
  s.lru.erase(it->second.lru);
  s.map.erase(it);
}

ListCache::Entry ListCache::get(std::string_view content_id) {
  if (!enabled()) {
    return nullptr;
  }
  using Clock = std::chrono::steady_clock;
  if (const auto until = serve_until_.load(std::memory_order_acquire);
      until != Clock::time_point::max().time_since_epoch().count() &&
      Clock::now().time_since_epoch().count() >= until) {
    return nullptr;
  }
  Shard& s = shard(content_id);
  std::lock_guard lock(s.mutex);
  auto it = s.map.find(content_id);
  if (it == s.map.end()) {
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
  return it->second.entry;
}

std::uint64_t ListCache::ticket(std::string_view content_id) {
  Shard& s = shard(content_id);
  std::lock_guard lock(s.mutex);
  return s.invalidations;
}

void ListCache::put(std::string_view content_id, std::uint64_t ticket, Entry entry) {
  const std::size_t size = entry->body.size() + entry->link.size() + content_id.size() + 96;
  const std::size_t budget = max_bytes_ / kShards;
  if (!enabled() || size > budget) {
    return;
  }
  Shard& s = shard(content_id);
  std::lock_guard lock(s.mutex);
  if (s.invalidations != ticket) {
    return;
  }
  if (auto it = s.map.find(content_id); it != s.map.end()) {
    erase(s, it);
  }
  s.lru.emplace_front(content_id);
  s.map.emplace(std::string(content_id), Node{std::move(entry), s.lru.begin(), size});
  s.bytes += size;
  while (s.bytes > budget) {
    erase(s, s.map.find(s.lru.back()));
  }
}

void ListCache::invalidate(std::string_view content_id) {
  Shard& s = shard(content_id);
  std::lock_guard lock(s.mutex);
  ++s.invalidations;
  if (auto it = s.map.find(content_id); it != s.map.end()) {
    erase(s, it);
  }
}

void ListCache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    ++s.invalidations;
    s.map.clear();
    s.lru.clear();
    s.bytes = 0;
  }
}

void ListCache::serve_until(std::chrono::steady_clock::time_point until) {
  serve_until_.store(until.time_since_epoch().count(), std::memory_order_release);
}

std::size_t ListCache::bytes() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    total += s.bytes;
  }
  return total;
}

}  // namespace comments::api
