// An ephemeral in-process backend, for tests and throwaway runs.
#pragma once

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

 private:
  std::shared_mutex mutex_;
  std::int64_t next_id_ = 1;
  std::unordered_map<std::string, std::vector<Comment>> by_content_;
};

}  // namespace comments::store
