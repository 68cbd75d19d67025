// The memory backend: every comment by id, each content's ids in order, guarded by a
// reader-writer lock.
#include "service/store/memory_backend.hpp"

#include <algorithm>
#include <mutex>

namespace comments::store {

std::vector<std::int64_t> MemoryBackend::append(std::span<const NewComment> batch) {
  std::vector<std::int64_t> ids;
  ids.reserve(batch.size());
  std::unique_lock lock(mutex_);
  for (const auto& c : batch) {
    if (names(c.poster)) {
      ids.push_back(kRefusedByBlock);
      continue;
    }
    const std::int64_t id = next_id_++;
    by_id_.emplace(id, StoredComment{id, c.content_id, c.email, c.text, c.created_at_ms, c.state});
    by_content_[c.content_id].push_back(id);
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::int64_t> MemoryBackend::count(std::span<const std::string> content_ids) {
  std::vector<std::int64_t> out;
  out.reserve(content_ids.size());
  std::shared_lock lock(mutex_);
  for (const auto& id : content_ids) {
    std::int64_t shown = 0;
    if (auto it = by_content_.find(id); it != by_content_.end()) {
      shown = std::count_if(it->second.begin(), it->second.end(),
                            [&](std::int64_t c) { return by_id_.at(c).state == State::visible; });
    }
    out.push_back(shown);
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
  for (auto first = std::upper_bound(all.begin(), all.end(), after_id);
       first != all.end() && page.comments.size() < limit; ++first) {
    const auto& c = by_id_.at(*first);
    if (c.state == State::visible) {
      page.comments.push_back(Comment{c.id, c.email, c.text, c.created_at_ms});
    }
  }
  return page;
}

std::vector<StoredComment> MemoryBackend::moderation_list(const ModerationQuery& query) {
  std::vector<StoredComment> out;
  std::shared_lock lock(mutex_);
  auto it = query.before_id > 0 ? by_id_.lower_bound(query.before_id) : by_id_.end();
  while (it != by_id_.begin() && out.size() < query.limit) {
    --it;
    const auto& c = it->second;
    if ((!query.state || c.state == *query.state) &&
        (!query.content_id || c.content_id == *query.content_id)) {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<StoredComment> MemoryBackend::change_state(std::int64_t id,
                                                         std::span<const State> from, State to,
                                                         const AuditEntry& audit) {
  std::unique_lock lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return std::nullopt;
  }
  StoredComment before = it->second;
  if (std::find(from.begin(), from.end(), before.state) != from.end()) {
    it->second.state = to;
    if (to == State::deleted) {
      it->second.email.clear();
      it->second.text.clear();
    }
    append_audit(audit);
  }
  return before;
}

Block MemoryBackend::add_block(const Block& block, const AuditEntry& audit) {
  std::unique_lock lock(mutex_);
  for (const auto& [id, b] : blocks_) {
    if (b.kind == block.kind && b.value == block.value) {
      return b;
    }
  }
  Block added = block;
  added.id = next_block_++;
  blocks_.emplace(added.id, added);
  append_audit(audit);
  return added;
}

bool MemoryBackend::remove_block(std::int64_t id, const AuditEntry& audit) {
  std::unique_lock lock(mutex_);
  if (blocks_.erase(id) == 0) {
    return false;
  }
  append_audit(audit);
  return true;
}

std::vector<Block> MemoryBackend::blocks() {
  std::shared_lock lock(mutex_);
  std::vector<Block> out;
  for (const auto& [id, b] : blocks_) {
    out.push_back(b);
  }
  return out;
}

bool MemoryBackend::names(const Poster& poster) const {
  return std::any_of(blocks_.begin(), blocks_.end(), [&](const auto& entry) {
    const auto& b = entry.second;
    return (b.kind == "email" && !poster.email.empty() && b.value == poster.email) ||
           (b.kind == "address" && !poster.address.empty() && b.value == poster.address);
  });
}

void MemoryBackend::record(const AuditEntry& entry) {
  std::unique_lock lock(mutex_);
  append_audit(entry);
}

void MemoryBackend::append_audit(const AuditEntry& entry) {
  AuditEntry e = entry;
  e.id = next_audit_++;
  audit_.emplace(e.id, std::move(e));
}

std::vector<AuditEntry> MemoryBackend::audit(std::int64_t before_id, std::size_t limit) {
  std::shared_lock lock(mutex_);
  std::vector<AuditEntry> out;
  auto it = before_id > 0 ? audit_.lower_bound(before_id) : audit_.end();
  while (it != audit_.begin() && out.size() < limit) {
    --it;
    out.push_back(it->second);
  }
  return out;
}

Snapshot MemoryBackend::snapshot() {
  std::shared_lock lock(mutex_);
  return copy_all();
}

Snapshot MemoryBackend::copy_all() const {
  Snapshot out;
  for (const auto& [id, c] : by_id_) {
    out.comments.push_back(c);
  }
  for (const auto& [id, b] : blocks_) {
    out.blocks.push_back(b);
  }
  for (const auto& [id, a] : audit_) {
    out.audit.push_back(a);
  }
  return out;
}

ImportResult MemoryBackend::import(const Snapshot& data) {
  std::unique_lock lock(mutex_);
  auto plan = plan_import(data, copy_all());
  for (const auto& c : plan.add.comments) {
    by_id_.emplace(c.id, c);
    auto& ids = by_content_[c.content_id];
    ids.insert(std::upper_bound(ids.begin(), ids.end(), c.id), c.id);
    next_id_ = std::max(next_id_, c.id + 1);
  }
  for (const auto& b : plan.add.blocks) {
    blocks_.emplace(b.id, b);
    next_block_ = std::max(next_block_, b.id + 1);
  }
  for (const auto& a : plan.add.audit) {
    audit_.emplace(a.id, a);
    next_audit_ = std::max(next_audit_, a.id + 1);
  }
  return plan.result;
}

}  // namespace comments::store
