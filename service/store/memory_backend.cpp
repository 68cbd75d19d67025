// The memory backend: one vector of comments per content, guarded by a reader-writer lock.
#include "service/store/memory_backend.hpp"

#include <algorithm>
#include <mutex>

namespace comments::store {

std::vector<std::int64_t> MemoryBackend::append(std::span<const NewComment> batch) {
  std::vector<std::int64_t> ids;
  ids.reserve(batch.size());
  std::unique_lock lock(mutex_);
  for (const auto& c : batch) {
    const std::int64_t id = next_id_++;
    by_content_[c.content_id].push_back(Comment{id, c.email, c.text, c.created_at_ms});
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::int64_t> MemoryBackend::count(std::span<const std::string> content_ids) {
  std::vector<std::int64_t> out;
  out.reserve(content_ids.size());
  std::shared_lock lock(mutex_);
  for (const auto& id : content_ids) {
    auto it = by_content_.find(id);
    out.push_back(it == by_content_.end() ? 0 : static_cast<std::int64_t>(it->second.size()));
  }
  return out;
}

Page MemoryBackend::list(std::string_view content_id, std::int64_t after_id, std::size_t limit) {
  Page page;
  std::shared_lock lock(mutex_);
  auto it = by_content_.find(std::string(content_id));
  if (it == by_content_.end()) {
    return page;
  }
  const auto& all = it->second;
  auto first = std::upper_bound(all.begin(), all.end(), after_id,
                                [](std::int64_t id, const Comment& c) { return id < c.id; });
  for (; first != all.end() && page.comments.size() < limit; ++first) {
    page.comments.push_back(*first);
  }
  return page;
}

}  // namespace comments::store
