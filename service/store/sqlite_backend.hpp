// The default durable backend: one SQLite file in WAL mode, one writer and a pool of readers.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "service/store/backend.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace comments::store {

namespace sqlite {
// Owning handles; closing order is statements before connections.
struct Connection {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;  // the one prepared statement this connection serves
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&& o) noexcept : db(o.db), stmt(o.stmt) {
    o.db = nullptr;
    o.stmt = nullptr;
  }
  Connection& operator=(Connection&&) = delete;
  ~Connection();
};
}  // namespace sqlite

class SqliteBackend : public Backend {
 public:
  // Opens (creating if needed) the database file and its schema; refuses a file another
  // process already serves. Throws StoreError.
  SqliteBackend(std::string path, const std::string& synchronous);
  ~SqliteBackend() override;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  std::string_view name() const override { return "sqlite"; }
  bool exclusive() const override { return true; }
  std::vector<std::int64_t> append(std::span<const NewComment> batch) override;
  Page list(std::string_view content_id, std::int64_t after_id, std::size_t limit) override;
  std::vector<std::int64_t> count(std::span<const std::string> content_ids) override;
  void ping() override;

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
  template <typename F>
  auto write(F&& f);
  sqlite::Connection open_reader();
  sqlite::Connection take_reader();
  void give_back(sqlite::Connection c);

  std::string path_;
  int lock_fd_ = -1;
  // The writer connection serves the group-commit thread and moderation writes, one at a time.
  std::mutex writer_mutex_;
  sqlite::Connection writer_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  sqlite3_stmt* blocked_ = nullptr;  // whether a block names a poster
  std::mutex readers_mutex_;
  std::vector<sqlite::Connection> readers_;
};

}  // namespace comments::store
