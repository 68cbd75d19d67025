// The storage interface every backend (memory, SQLite, PostgreSQL) implements, and its data types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/store/errors.hpp"

namespace comments::store {

// A comment's moderation state. Only visible comments are listed publicly; a deleted comment is a
// tombstone (its email and text are erased) so that ids and order stay stable.
enum class State { visible, hidden, pending, deleted };
std::string_view to_string(State s);
std::optional<State> state_from_string(std::string_view s);

// Who posts a comment, in the normal forms blocks are written in (see Block): append() stores
// nothing for a poster a block names. Empty fields match no block. Not stored.
struct Poster {
  std::string email;    // trimmed, lower-cased
  std::string address;  // canonical client address
};

struct NewComment {
  std::string content_id;
  std::string email;
  std::string text;
  std::int64_t created_at_ms = 0;  // set by the caller, stored as given
  State state = State::visible;    // pending under pre-moderation
  Poster poster = {};
};

// append()'s "id" for a comment it refused because a block names its poster.
inline constexpr std::int64_t kRefusedByBlock = 0;

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

// A comment as moderators see it: with its content and state.
struct StoredComment {
  std::int64_t id = 0;
  std::string content_id;
  std::string email;
  std::string text;
  std::int64_t created_at_ms = 0;
  State state = State::visible;
  bool operator==(const StoredComment&) const = default;
};

// Comments across contents with id < before_id (0: no bound), newest first.
struct ModerationQuery {
  std::optional<State> state;
  std::optional<std::string> content_id;
  std::int64_t before_id = 0;
  std::size_t limit = 100;
};

// A blocked poster: kind "email" (trimmed, lower-cased) or "address" (normalised IP address).
struct Block {
  std::int64_t id = 0;
  std::string kind;
  std::string value;
  std::int64_t created_at_ms = 0;
  bool operator==(const Block&) const = default;
};

// One admin action: who (the token's name), what, on what, when.
struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  bool operator==(const AuditEntry&) const = default;
};

// Everything a backend holds, each kind in id order: what export writes and import reads.
struct Snapshot {
  std::vector<StoredComment> comments;
  std::vector<Block> blocks;
  std::vector<AuditEntry> audit;
};

// Of the records of one kind given to import: how many it added, how many were there already.
struct ImportTally {
  std::size_t added = 0;
  std::size_t present = 0;
};
struct ImportResult {
  ImportTally comments;
  ImportTally blocks;
  ImportTally audit;
};

// Import found a record whose id (or, for a block, whose kind and value) the backend already
// holds with different content. Nothing was imported.
class ImportConflict : public std::runtime_error {
 public:
  ImportConflict(std::string kind, std::int64_t id, const std::string& what)
      : std::runtime_error(what), kind_(std::move(kind)), id_(id) {}
  const std::string& kind() const { return kind_; }  // "comment", "block" or "audit"
  std::int64_t id() const { return id_; }            // the id in the imported data

 private:
  std::string kind_;
  std::int64_t id_;
};

// What import adds: the records of `incoming` that `existing` lacks. `existing` holds at least
// every stored record with an id of `incoming` (and every block with one of its kinds and
// values). Throws ImportConflict for the first record stored differently: comments, then blocks,
// then audit entries, each in the order given.
struct ImportPlan {
  Snapshot add;
  ImportResult result;
};
ImportPlan plan_import(const Snapshot& incoming, const Snapshot& existing);

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
//    (all or nothing) and returns the new ids in batch order; ids grow in commit order. A comment
//    whose poster a block names is not stored: its id is kRefusedByBlock. The check is part of
//    the transaction, so a block added before the commit always applies, and a post costs no
//    query of its own.
//  - list, ping and the moderation operations may be called from many threads at once.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // True when no other process writes to the same data (its lists never change behind its back).
  virtual bool exclusive() const = 0;
  virtual std::vector<std::int64_t> append(std::span<const NewComment> batch) = 0;
  // Visible comments only.
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

  // Moderation. Every comment, whatever its state, as the query selects.
  virtual std::vector<StoredComment> moderation_list(const ModerationQuery& query) = 0;
  // The changes below record `audit` in the same transaction when they change something, so an
  // action is never done unrecorded.
  // Sets comment id to state `to` if its state is one of `from` (a deleted comment also loses its
  // email and text), in one atomic step. Returns the comment as it was before (its state says
  // whether it changed), nullopt when there is no such comment.
  virtual std::optional<StoredComment> change_state(std::int64_t id, std::span<const State> from,
                                                    State to, const AuditEntry& audit) = 0;
  // Adds a block, or returns the one that exists for the same kind and value (unrecorded).
  virtual Block add_block(const Block& block, const AuditEntry& audit) = 0;
  virtual bool remove_block(std::int64_t id, const AuditEntry& audit) = 0;
  virtual std::vector<Block> blocks() = 0;
  virtual void record(const AuditEntry& entry) = 0;
  // Entries with id < before_id (0: no bound), newest first.
  virtual std::vector<AuditEntry> audit(std::int64_t before_id, std::size_t limit) = 0;

  // Export and import (comments-service export/import). snapshot() reads everything as of one
  // moment. import() stores the records it lacks with their ids, timestamps and states, all in
  // one transaction, leaving records already there untouched (so importing twice changes nothing),
  // and moves id generation past every imported id. It refuses (ImportConflict, nothing stored)
  // a record whose id is stored with different content.
  virtual Snapshot snapshot() = 0;
  virtual ImportResult import(const Snapshot& data) = 0;

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
