// The storage interface every backend (memory, SQLite, PostgreSQL) implements, and its data types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "service/store/errors.hpp"

namespace comments::store {

struct NewComment {
  std::string content_id;
  std::string email;
  std::string text;
  std::int64_t created_at_ms = 0;  // set by the caller, stored as given
};

struct Comment {
  std::int64_t id = 0;
  std::string email;
  std::string text;
  std::int64_t created_at_ms = 0;
};

// Comments of one content with id > after, in id (= insertion) order.
struct Page {
  std::vector<Comment> comments;
};

// How a process that caches lists hears of comments that other processes committed (see
// Backend::watch). Called from a thread of the backend's own.
class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  // Another process committed changes to the lists of these contents.
  virtual void changed(std::span<const std::string> content_ids) = 0;
  // Any list may have changed: notifications were interrupted, or one named too many contents.
  virtual void changed_all() = 0;
  // Every change committed elsewhere long enough ago has been reported: cached lists may be
  // served until `until` (then only after the next report).
  virtual void in_sync_until(std::chrono::steady_clock::time_point until) = 0;
  // Reports stopped, for the reason given: serve nothing cached until in_sync_until again.
  virtual void out_of_sync(std::string_view reason) = 0;
};

// Blocking operations. Failures throw StoreError.
//  - append is called from one writer thread only; it stores the whole batch in one transaction
//    (all or nothing) and returns the new ids in batch order; ids grow in commit order.
//  - list and ping may be called from many threads at once.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // True when no other process writes to the same data (its lists never change behind its back).
  virtual bool exclusive() const = 0;
  virtual std::vector<std::int64_t> append(std::span<const NewComment> batch) = 0;
  virtual Page list(std::string_view content_id, std::int64_t after_id, std::size_t limit) = 0;
  // The number of comments list() gives each content, in the order of content_ids. This default
  // lists them; the durable backends ask one query.
  virtual std::vector<std::int64_t> count(std::span<const std::string> content_ids) {
    std::vector<std::int64_t> out;
    for (const auto& id : content_ids) {
      out.push_back(static_cast<std::int64_t>(list(id, 0, SIZE_MAX).comments.size()));
    }
    return out;
  }
  virtual void ping() = 0;
  // Starts reporting other processes' writes to observer, which must outlive the backend. A
  // backend no one else writes to (exclusive) is in sync forever; that is the default.
  virtual void watch(ChangeObserver& observer) {
    observer.in_sync_until(std::chrono::steady_clock::time_point::max());
  }
};

struct OpenOptions {
  std::string sqlite_synchronous = "normal";
  std::string password_file;
  unsigned pool_size = 4;
};

// Opens the backend a storage URL names: "memory:", "sqlite:<path>", "postgresql://…".
// Throws std::invalid_argument for a malformed URL, StoreError when it cannot be opened.
std::unique_ptr<Backend> open(std::string_view url, const OpenOptions& options);

}  // namespace comments::store
