// The copy is taken in one backup step: one read transaction over the whole source, so it is the
// database as of one commit, however the service writes meanwhile (WAL readers never block the
// writer). Stepping page by page would restart on every commit the service makes.
#include "service/backup/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string_view>

namespace comments::backup {
namespace {

namespace fs = std::filesystem;

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An open database, closed when it goes.
struct Database {
  sqlite3* db = nullptr;
  Database(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close_v2(db);
      throw Failure("cannot open '" + path + "': " + why);
    }
    sqlite3_busy_timeout(db, 5000);
  }
  ~Database() { sqlite3_close_v2(db); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The first column of the first row of sql, as text.
  std::string value(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    std::string out;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out = text != nullptr ? text : "";
      rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
      throw Failure(std::string(sql) + ": " + sqlite3_errmsg(db));
    }
    return out;
  }
};

void sync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    throw Failure("cannot sync '" + path.string() + "'");
  }
  ::close(fd);
}

// Copies source into the new file `copy`; returns the comments it holds.
std::string copy_database(const std::string& source, const std::string& copy) {
  const Database from(source, SQLITE_OPEN_READWRITE);
  {
    const Database to(copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_backup* b = sqlite3_backup_init(to.db, "main", from.db, "main");
    if (b == nullptr) {
      throw Failure(std::string("cannot start the backup: ") + sqlite3_errmsg(to.db));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int rc = SQLITE_OK;
    do {
      rc = sqlite3_backup_step(b, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        sqlite3_sleep(50);
      }
    } while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
             std::chrono::steady_clock::now() < deadline);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      throw Failure(std::string("backup failed: ") + sqlite3_errstr(rc));
    }
    // One self-contained file: no -wal or -shm needed to read it.
    to.value("PRAGMA journal_mode = DELETE");
    if (const auto verdict = to.value("PRAGMA integrity_check"); verdict != "ok") {
      throw Failure("the copy fails its integrity check: " + verdict);
    }
    const bool has_comments =
        !to.value("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'comments'")
             .empty();
    return has_comments ? to.value("SELECT count(*) FROM comments") : "0";
  }
}

}  // namespace

int run(const std::string& storage_url, const std::string& to) {
  constexpr std::string_view kSqlite = "sqlite:";
  const std::string_view url = storage_url;
  if (url.starts_with("postgresql:") || url.starts_with("postgres:")) {
    // The URL is not repeated: it may hold a password.
    std::cerr << "comments-service backup: --storage is PostgreSQL, which this command does not "
                 "copy; use pg_dump, e.g. pg_dump --format=custom --file=comments.dump "
                 "\"$STORAGE_URL\" (docs/operations.md, Backup)\n";
    return 2;
  }
  if (!url.starts_with(kSqlite) || url.size() == kSqlite.size()) {
    std::cerr << "comments-service backup: --storage must be sqlite:<path> (memory: keeps "
                 "nothing to back up)\n";
    return 2;
  }
  const fs::path source(std::string(url.substr(kSqlite.size())));
  const fs::path target(to);
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    std::cerr << "comments-service backup: no SQLite database at '" << source.string() << "'\n";
    return 1;
  }
  if (fs::equivalent(source, target, ec)) {
    std::cerr << "comments-service backup: --to is the database itself\n";
    return 2;
  }
  const fs::path partial = target.string() + ".partial-" + std::to_string(::getpid());
  try {
    fs::remove(partial, ec);
    const std::string comments = copy_database(source.string(), partial.string());
    sync_path(partial, O_RDONLY);
    fs::rename(partial, target);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    sync_path(dir, O_RDONLY | O_DIRECTORY);
    std::cout << "comments-service backup: copied " << source.string() << " to " << target.string()
              << " (" << comments << " comments, " << fs::file_size(target) << " bytes)\n";
    return 0;
  } catch (const std::exception& e) {
    fs::remove(partial, ec);
    std::cerr << "comments-service backup: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace comments::backup
