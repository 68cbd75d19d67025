// SQLite storage: WAL journal, schema versioned by user_version, group commits in one transaction.
#include "service/store/sqlite_backend.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace comments::store {
namespace sqlite {

Connection::~Connection() {
  sqlite3_finalize(stmt);
  if (db != nullptr) {
    sqlite3_close_v2(db);
  }
}

}  // namespace sqlite

namespace {

constexpr int kSchemaVersion = 2;

// Disk full, I/O errors, locks held too long: the operation may work later.
errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return errc::unavailable;
    default:
      return errc::internal;
  }
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  throw StoreError(classify(rc), msg);
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(classify(rc), std::string("sqlite: ") + msg);
  }
}

sqlite3* open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open SQLite database '" + path +
                      "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    throw StoreError(errc::unavailable, msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    fail(db, rc, std::string("prepare '") + sql + "'");
  }
  return stmt;
}

int user_version(sqlite3* db) {
  sqlite3_stmt* stmt = prepare(db, "PRAGMA user_version");
  int v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  return v;
}

void migrate(sqlite3* db) {
  const int version = user_version(db);
  if (version > kSchemaVersion) {
    throw StoreError(errc::internal, "database schema version " + std::to_string(version) +
                                         " is newer than this service understands (" +
                                         std::to_string(kSchemaVersion) + ")");
  }
  if (version < 1) {
    exec(db,
         "BEGIN IMMEDIATE;"
         "CREATE TABLE IF NOT EXISTS comments ("
         "  id INTEGER PRIMARY KEY,"
         "  content_id TEXT NOT NULL,"
         "  email TEXT NOT NULL,"
         "  comment TEXT NOT NULL,"
         "  created_at_ms INTEGER NOT NULL);"
         "CREATE INDEX IF NOT EXISTS comments_by_content ON comments (content_id, id);"
         "PRAGMA user_version = 1;"
         "COMMIT;");
  }
  if (version < 2) {
    // Moderation: a state per comment (existing ones stay visible), blocks and the audit log.
    exec(db,
         "BEGIN IMMEDIATE;"
         "ALTER TABLE comments ADD COLUMN state TEXT NOT NULL DEFAULT 'visible';"
         "CREATE INDEX comments_by_state ON comments (state, id);"
         "CREATE TABLE blocks ("
         "  id INTEGER PRIMARY KEY,"
         "  kind TEXT NOT NULL,"
         "  value TEXT NOT NULL,"
         "  created_at_ms INTEGER NOT NULL,"
         "  UNIQUE (kind, value));"
         "CREATE TABLE audit ("
         "  id INTEGER PRIMARY KEY,"
         "  at_ms INTEGER NOT NULL,"
         "  actor TEXT NOT NULL,"
         "  action TEXT NOT NULL,"
         "  target TEXT NOT NULL);"
         "PRAGMA user_version = 2;"
         "COMMIT;");
  }
}

constexpr const char* kInsert =
    "INSERT INTO comments (content_id, email, comment, created_at_ms, state)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
// Whether a block names the poster (?1 normalised email, ?2 canonical address; empty: none).
constexpr const char* kBlocked =
    "SELECT 1 FROM blocks WHERE (kind = 'email' AND value = ?1 AND ?1 <> '')"
    " OR (kind = 'address' AND value = ?2 AND ?2 <> '') LIMIT 1";
// The comments lists and counts show: a filter on moderation state goes here, and only here.
const std::string kShown = "(SELECT * FROM comments WHERE state = 'visible') AS shown";
const std::string kSelect = "SELECT id, email, comment, created_at_ms FROM " + kShown +
                            " WHERE content_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
// Completed with one ?N per content by count().
const std::string kCount = "SELECT content_id, count(*) FROM " + kShown + " WHERE content_id IN (";

std::string column_text(sqlite3_stmt* stmt, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  const int n = sqlite3_column_bytes(stmt, col);
  return p != nullptr ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

constexpr const char* kAllBlocks = "SELECT id, kind, value, created_at_ms FROM blocks ORDER BY id";

// One ad-hoc statement (moderation is rare: prepared per call), its parameters bound in order.
class Query {
 public:
  Query(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      fail(db, rc, std::string("prepare '") + sql + "'");
    }
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::string_view v) {
    // Never a null pointer: SQLite would bind NULL, not an empty text.
    sqlite3_bind_text(stmt_, ++n_, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Query& bind(std::int64_t v) {
    sqlite3_bind_int64(stmt_, ++n_, v);
    return *this;
  }
  // Steps to the next row (true) or the end (false).
  bool step(const char* what) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc != SQLITE_DONE) {
      fail(db_, rc, what);
    }
    return false;
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const { return column_text(stmt_, col); }
  int changes() const { return sqlite3_changes(db_); }
  // Ready to run again with new parameters.
  Query& reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    n_ = 0;
    return *this;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int n_ = 0;
};

void insert_audit(sqlite3* db, const AuditEntry& entry) {
  Query q(db, "INSERT INTO audit (at_ms, actor, action, target) VALUES (?1, ?2, ?3, ?4)");
  q.bind(entry.at_ms).bind(entry.actor).bind(entry.action).bind(entry.target);
  q.step("record audit entry");
}

StoredComment stored_comment(const Query& q) {
  return StoredComment{q.integer(0), q.text(1),
                       q.text(2),    q.text(3),
                       q.integer(4), state_from_string(q.text(5)).value_or(State::hidden)};
}

Block block_row(const Query& q) { return Block{q.integer(0), q.text(1), q.text(2), q.integer(3)}; }
AuditEntry audit_row(const Query& q) {
  return AuditEntry{q.integer(0), q.integer(1), q.text(2), q.text(3), q.text(4)};
}

}  // namespace

SqliteBackend::SqliteBackend(std::string path, const std::string& synchronous)
    : path_(std::move(path)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (auto parent = fs::path(path_).parent_path(); !parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      throw StoreError(errc::unavailable,
                       "cannot create directory '" + parent.string() + "': " + ec.message());
    }
  }
  // One process per database file: the list cache and group commit assume a single writer.
  const std::string lock_path = path_ + ".lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    throw StoreError(errc::unavailable,
                     "cannot open lock file '" + lock_path + "': " + std::strerror(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw StoreError(errc::unavailable,
                     "SQLite database '" + path_ +
                         "' is in use by another process (one comments-service per file; use "
                         "PostgreSQL for several replicas)");
  }

  writer_.db = open_db(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  exec(writer_.db, "PRAGMA journal_mode = WAL");
  exec(writer_.db,
       synchronous == "full" ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  exec(writer_.db, "PRAGMA temp_store = MEMORY");
  migrate(writer_.db);
  writer_.stmt = prepare(writer_.db, kInsert);
  begin_ = prepare(writer_.db, "BEGIN IMMEDIATE");
  commit_ = prepare(writer_.db, "COMMIT");
  rollback_ = prepare(writer_.db, "ROLLBACK");
  blocked_ = prepare(writer_.db, kBlocked);
}

SqliteBackend::~SqliteBackend() {
  readers_.clear();
  sqlite3_finalize(begin_);
  sqlite3_finalize(commit_);
  sqlite3_finalize(rollback_);
  sqlite3_finalize(blocked_);
  if (writer_.db != nullptr) {
    // Fold the WAL back into the database so the file is complete on its own.
    sqlite3_wal_checkpoint_v2(writer_.db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  sqlite3_finalize(writer_.stmt);
  writer_.stmt = nullptr;
  sqlite3_close_v2(writer_.db);
  writer_.db = nullptr;
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
  }
}

std::vector<std::int64_t> SqliteBackend::append(std::span<const NewComment> batch) {
  std::vector<std::int64_t> ids;
  ids.reserve(batch.size());
  std::lock_guard writing(writer_mutex_);
  sqlite3* db = writer_.db;
  auto step_reset = [db](sqlite3_stmt* s, const char* what) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      fail(db, rc, what);
    }
  };
  step_reset(begin_, "begin transaction");
  try {
    sqlite3_stmt* ins = writer_.stmt;
    for (const auto& c : batch) {
      sqlite3_bind_text(blocked_, 1, c.poster.email.data(), static_cast<int>(c.poster.email.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(blocked_, 2, c.poster.address.data(),
                        static_cast<int>(c.poster.address.size()), SQLITE_STATIC);
      const int found = sqlite3_step(blocked_);
      sqlite3_reset(blocked_);
      if (found == SQLITE_ROW) {
        ids.push_back(kRefusedByBlock);
        continue;
      }
      if (found != SQLITE_DONE) {
        fail(db, found, "check blocks");
      }
      sqlite3_bind_text(ins, 1, c.content_id.data(), static_cast<int>(c.content_id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(ins, 2, c.email.data(), static_cast<int>(c.email.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 3, c.text.data(), static_cast<int>(c.text.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, 4, c.created_at_ms);
      const auto state = to_string(c.state);
      sqlite3_bind_text(ins, 5, state.data(), static_cast<int>(state.size()), SQLITE_STATIC);
      int rc = sqlite3_step(ins);
      sqlite3_reset(ins);
      sqlite3_clear_bindings(ins);
      if (rc != SQLITE_DONE) {
        fail(db, rc, "insert comment");
      }
      ids.push_back(sqlite3_last_insert_rowid(db));
    }
    step_reset(commit_, "commit");
  } catch (...) {
    sqlite3_step(rollback_);
    sqlite3_reset(rollback_);
    throw;
  }
  return ids;
}

sqlite::Connection SqliteBackend::open_reader() {
  sqlite::Connection c;
  c.db = open_db(path_, SQLITE_OPEN_READONLY);
  c.stmt = prepare(c.db, kSelect.c_str());
  return c;
}

sqlite::Connection SqliteBackend::take_reader() {
  {
    std::lock_guard lock(readers_mutex_);
    if (!readers_.empty()) {
      sqlite::Connection c = std::move(readers_.back());
      readers_.pop_back();
      return c;
    }
  }
  return open_reader();
}

void SqliteBackend::give_back(sqlite::Connection c) {
  std::lock_guard lock(readers_mutex_);
  readers_.push_back(std::move(c));
}

Page SqliteBackend::list(std::string_view content_id, std::int64_t after_id, std::size_t limit) {
  sqlite::Connection c = take_reader();
  Page page;
  sqlite3_stmt* s = c.stmt;
  sqlite3_bind_text(s, 1, content_id.data(), static_cast<int>(content_id.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, after_id);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(limit));
  int rc = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    page.comments.push_back(Comment{sqlite3_column_int64(s, 0), column_text(s, 1),
                                    column_text(s, 2), sqlite3_column_int64(s, 3)});
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE) {
    fail(c.db, rc, "list comments");
  }
  give_back(std::move(c));
  return page;
}

std::vector<std::int64_t> SqliteBackend::count(std::span<const std::string> content_ids) {
  std::vector<std::int64_t> out(content_ids.size(), 0);
  if (content_ids.empty()) {
    return out;
  }
  std::string sql = kCount;
  for (std::size_t i = 0; i < content_ids.size(); ++i) {
    sql += (i == 0 ? "?" : ",?") + std::to_string(i + 1);
  }
  sql += ") GROUP BY content_id";
  sqlite::Connection c = take_reader();
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(c.db, sql.c_str(), -1, &s, nullptr);
  if (rc != SQLITE_OK) {
    fail(c.db, rc, "prepare count");
  }
  for (std::size_t i = 0; i < content_ids.size(); ++i) {
    sqlite3_bind_text(s, static_cast<int>(i + 1), content_ids[i].data(),
                      static_cast<int>(content_ids[i].size()), SQLITE_STATIC);
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const std::string id = column_text(s, 0);
    for (std::size_t i = 0; i < content_ids.size(); ++i) {
      if (content_ids[i] == id) {
        out[i] = sqlite3_column_int64(s, 1);
      }
    }
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) {
    fail(c.db, rc, "count comments");
  }
  give_back(std::move(c));
  return out;
}

void SqliteBackend::ping() {
  sqlite::Connection c = take_reader();
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(c.db, "SELECT count(*) FROM sqlite_master", -1, &s, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(s);
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) {
    fail(c.db, rc, "ping");
  }
  give_back(std::move(c));
}

std::vector<StoredComment> SqliteBackend::moderation_list(const ModerationQuery& query) {
  sqlite::Connection c = take_reader();
  std::vector<StoredComment> out;
  {
    Query q(c.db,
            "SELECT id, content_id, email, comment, created_at_ms, state FROM comments"
            " WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR state = ?2)"
            " AND (?3 = '' OR content_id = ?3) ORDER BY id DESC LIMIT ?4");
    q.bind(query.before_id)
        .bind(query.state ? to_string(*query.state) : std::string_view())
        .bind(query.content_id.value_or(""))
        .bind(static_cast<std::int64_t>(query.limit));
    while (q.step("list comments for moderation")) {
      out.push_back(stored_comment(q));
    }
  }
  give_back(std::move(c));
  return out;
}

// f(db) in one write transaction on the writer connection.
template <typename F>
auto SqliteBackend::write(F&& f) {
  std::lock_guard writing(writer_mutex_);
  sqlite3* db = writer_.db;
  exec(db, "BEGIN IMMEDIATE");
  try {
    auto result = f(db);
    exec(db, "COMMIT");
    return result;
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<StoredComment> SqliteBackend::change_state(std::int64_t id,
                                                         std::span<const State> from, State to,
                                                         const AuditEntry& audit) {
  return write([&](sqlite3* db) {
    std::optional<StoredComment> before;
    {
      Query q(db,
              "SELECT id, content_id, email, comment, created_at_ms, state FROM comments"
              " WHERE id = ?1");
      q.bind(id);
      if (q.step("read comment")) {
        before = stored_comment(q);
      }
    }
    if (before && std::find(from.begin(), from.end(), before->state) != from.end()) {
      Query u(db,
              "UPDATE comments SET state = ?2,"
              " email = CASE WHEN ?2 = 'deleted' THEN '' ELSE email END,"
              " comment = CASE WHEN ?2 = 'deleted' THEN '' ELSE comment END WHERE id = ?1");
      u.bind(id).bind(to_string(to));
      u.step("change comment state");
      insert_audit(db, audit);
    }
    return before;
  });
}

Block SqliteBackend::add_block(const Block& block, const AuditEntry& audit) {
  return write([&](sqlite3* db) {
    Query ins(db,
              "INSERT INTO blocks (kind, value, created_at_ms) VALUES (?1, ?2, ?3)"
              " ON CONFLICT (kind, value) DO NOTHING");
    ins.bind(block.kind).bind(block.value).bind(block.created_at_ms);
    ins.step("add block");
    if (ins.changes() > 0) {
      insert_audit(db, audit);
    }
    Query q(db, "SELECT id, kind, value, created_at_ms FROM blocks WHERE kind = ?1 AND value = ?2");
    q.bind(block.kind).bind(block.value);
    if (!q.step("read block")) {
      throw StoreError(errc::internal, "sqlite: the block just added is not there");
    }
    return block_row(q);
  });
}

bool SqliteBackend::remove_block(std::int64_t id, const AuditEntry& audit) {
  return write([&](sqlite3* db) {
    Query q(db, "DELETE FROM blocks WHERE id = ?1");
    q.bind(id);
    q.step("remove block");
    const bool removed = q.changes() > 0;
    if (removed) {
      insert_audit(db, audit);
    }
    return removed;
  });
}

std::vector<Block> SqliteBackend::blocks() {
  sqlite::Connection c = take_reader();
  std::vector<Block> out;
  {
    Query q(c.db, kAllBlocks);
    while (q.step("list blocks")) {
      out.push_back(block_row(q));
    }
  }
  give_back(std::move(c));
  return out;
}

void SqliteBackend::record(const AuditEntry& entry) {
  std::lock_guard writing(writer_mutex_);
  insert_audit(writer_.db, entry);
}

std::vector<AuditEntry> SqliteBackend::audit(std::int64_t before_id, std::size_t limit) {
  sqlite::Connection c = take_reader();
  std::vector<AuditEntry> out;
  {
    Query q(c.db,
            "SELECT id, at_ms, actor, action, target FROM audit WHERE (?1 = 0 OR id < ?1)"
            " ORDER BY id DESC LIMIT ?2");
    q.bind(before_id).bind(static_cast<std::int64_t>(limit));
    while (q.step("list audit entries")) {
      out.push_back(audit_row(q));
    }
  }
  give_back(std::move(c));
  return out;
}

namespace {

constexpr const char* kAllComments =
    "SELECT id, content_id, email, comment, created_at_ms, state FROM comments ORDER BY id";
constexpr const char* kAllAudit = "SELECT id, at_ms, actor, action, target FROM audit ORDER BY id";

}  // namespace

Snapshot SqliteBackend::snapshot() {
  sqlite::Connection c = take_reader();
  Snapshot out;
  // One read transaction: the three tables as of one commit.
  exec(c.db, "BEGIN");
  try {
    Query comments(c.db, kAllComments);
    while (comments.step("export comments")) {
      out.comments.push_back(stored_comment(comments));
    }
    Query blocks(c.db, kAllBlocks);
    while (blocks.step("export blocks")) {
      out.blocks.push_back(block_row(blocks));
    }
    Query audit(c.db, kAllAudit);
    while (audit.step("export audit log")) {
      out.audit.push_back(audit_row(audit));
    }
  } catch (...) {
    sqlite3_exec(c.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(c.db, "COMMIT");
  give_back(std::move(c));
  return out;
}

ImportResult SqliteBackend::import(const Snapshot& data) {
  return write([&](sqlite3* db) {
    Snapshot existing;
    {
      Query q(db,
              "SELECT id, content_id, email, comment, created_at_ms, state FROM comments"
              " WHERE id = ?1");
      for (const auto& c : data.comments) {
        if (q.reset().bind(c.id).step("read comment")) {
          existing.comments.push_back(stored_comment(q));
        }
      }
    }
    {
      Query q(db, kAllBlocks);
      while (q.step("read blocks")) {
        existing.blocks.push_back(block_row(q));
      }
    }
    {
      Query q(db, "SELECT id, at_ms, actor, action, target FROM audit WHERE id = ?1");
      for (const auto& a : data.audit) {
        if (q.reset().bind(a.id).step("read audit entry")) {
          existing.audit.push_back(audit_row(q));
        }
      }
    }
    const auto plan = plan_import(data, existing);
    // Explicit ids: SQLite gives later rows max(id) + 1, so new comments follow imported ones.
    Query comments(db,
                   "INSERT INTO comments (id, content_id, email, comment, created_at_ms, state)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& c : plan.add.comments) {
      comments.reset().bind(c.id).bind(c.content_id).bind(c.email).bind(c.text);
      comments.bind(c.created_at_ms).bind(to_string(c.state)).step("import comment");
    }
    Query blocks(db, "INSERT INTO blocks (id, kind, value, created_at_ms) VALUES (?1, ?2, ?3, ?4)");
    for (const auto& b : plan.add.blocks) {
      blocks.reset()
          .bind(b.id)
          .bind(b.kind)
          .bind(b.value)
          .bind(b.created_at_ms)
          .step("import block");
    }
    Query audit(db,
                "INSERT INTO audit (id, at_ms, actor, action, target) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& a : plan.add.audit) {
      audit.reset().bind(a.id).bind(a.at_ms).bind(a.actor).bind(a.action).bind(a.target);
      audit.step("import audit entry");
    }
    return plan.result;
  });
}

}  // namespace comments::store
