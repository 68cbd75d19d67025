// A bounded LRU cache of serialised comment lists, invalidated when a content gets a comment.
// Reads check it first; storage is read only on a miss. Safe across threads (sharded locks).
// With storage that other processes write (PostgreSQL), lists are served only while the change
// feed vouches for them (serve_until); see cache_coherence.hpp.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace comments::api {

struct CachedList {
  std::string body;      // the JSON array
  std::string link;      // the Link header value, empty when there is no next page
  std::string etag;      // entity_tag(body, link), computed once when the entry is built
  std::size_t size = 0;  // comments in body: the content's count when link is empty
};

class ListCache {
 public:
  using Entry = std::shared_ptr<const CachedList>;

  explicit ListCache(std::size_t max_bytes);
  bool enabled() const { return max_bytes_ > 0; }

  Entry get(std::string_view content_id);
  // Take a ticket before reading storage and hand it to put(): a put whose ticket predates an
  // invalidation of the same shard is dropped, so a slow reader never caches a stale list.
  std::uint64_t ticket(std::string_view content_id);
  void put(std::string_view content_id, std::uint64_t ticket, Entry entry);
  void invalidate(std::string_view content_id);
  // Drops every list, and every put whose ticket was taken before.
  void clear();
  // get() answers only before this time (and always until it is first called).
  void serve_until(std::chrono::steady_clock::time_point until);
  std::size_t bytes() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Node {
    Entry entry;
    std::list<std::string>::iterator lru;
    std::size_t size = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Node, Hash, std::equal_to<>> map;
    std::list<std::string> lru;  // most recently used first
    std::size_t bytes = 0;
    std::uint64_t invalidations = 0;
  };
  static constexpr std::size_t kShards = 32;

  Shard& shard(std::string_view content_id);
  void erase(Shard& s, std::unordered_map<std::string, Node, Hash, std::equal_to<>>::iterator it);

  std::size_t max_bytes_;
  std::atomic<std::chrono::steady_clock::rep> serve_until_{
      std::chrono::steady_clock::time_point::max().time_since_epoch().count()};
  std::array<Shard, kShards> shards_;
};

}  // namespace comments::api
