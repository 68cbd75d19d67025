// An ephemeral in-process backend, for tests and throwaway runs.
#pragma once

#include <map>
#include <shared_mutex>
#include <unordered_map>

#include "service/store/backend.hpp"

namespace comments::store {

class MemoryBackend : public Backend {
 public:
  std::string_view name() const override { return "memory"; }
  bool exclusive() const override { return true; }
  std::vector<std::int64_t> append(std::span<const NewComment> batch) override;
  Page list(std::string_view content_id, std::int64_t after_id, std::size_t limit) override;
  std::vector<std::int64_t> count(std::span<const std::string> content_ids) override;
  void ping() override {}

  std::vector<StoredComment> moderation_list(const ModerationQuery& query) override;
  std::optional<StoredComment> change_state(std::int64_t id, std::span<const State> from, State to,
                                            const AuditEntry& audit) override;
  Block add_block(const Block& block, const AuditEntry& audit) override;
  bool remove_block(std::int64_t id, const AuditEntry& audit) override;
  std::vector<Block> blocks() override;
  void record(const AuditEntry& entry) override;
  std::vector<AuditEntry> audit(std::int64_t before_id, std::size_t limit) override;
  Snapshot snapshot() override;
  ImportResult import(const Snapshot& data) override;

 private:
  void append_audit(const AuditEntry& entry);  // with mutex_ held exclusively
  Snapshot copy_all() const;                   // with mutex_ held
  bool names(const Poster& poster) const;      // whether a block names it; with mutex_ held

  std::shared_mutex mutex_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, StoredComment> by_id_;
  std::unordered_map<std::string, std::vector<std::int64_t>> by_content_;  // ids, ascending
  std::map<std::int64_t, Block> blocks_;
  std::int64_t next_block_ = 1;
  std::map<std::int64_t, AuditEntry> audit_;
  std::int64_t next_audit_ = 1;
};

}  // namespace comments::store
