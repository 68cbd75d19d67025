// The copy is taken in one backup step: one read transaction over the whole source, so it is the
// database as of one commit, however the service writes meanwhile (WAL readers never block the
// writer). Stepping page by page would restart on every commit the service makes.
#include "service/backup/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>  // also renameat2 (glibc, under _GNU_SOURCE)
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

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

// The names --to-dir writes, and the only files its retention removes.
bool is_dated_copy(const std::string& name) {
  static const std::regex pattern(R"(comments-[0-9]{8}T[0-9]{6}Z\.db)");
  return std::regex_match(name, pattern);
}

std::string utc_stamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

// Moves partial to target; without `replace`, fails when target exists (renameat2's
// RENAME_NOREPLACE, or a hard link where the filesystem lacks it), so a copy is never lost.
void publish(const fs::path& partial, const fs::path& target, bool replace) {
  if (replace) {
    fs::rename(partial, target);
  } else if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) !=
             0) {
    const bool unsupported = errno == EINVAL || errno == ENOSYS;
    if (!unsupported || ::link(partial.c_str(), target.c_str()) != 0) {
      throw Failure("cannot write '" + target.string() + "': " +
                    (errno == EEXIST ? std::string("it exists already (another backup in the same "
                                                   "second); nothing was replaced")
                                     : std::strerror(errno)));
    }
    ::unlink(partial.c_str());
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  sync_path(dir, O_RDONLY | O_DIRECTORY);
}

// Copies source to target through a hidden file beside it (checked and synced, then renamed):
// target is either absent, the previous copy, or the whole new one. Returns the comments copied.
std::string copy_to(const fs::path& source, const fs::path& target, bool replace) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path partial =
      dir / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
  std::error_code ec;
  try {
    fs::remove(partial, ec);
    std::string comments = copy_database(source.string(), partial.string());
    sync_path(partial, O_RDONLY);
    publish(partial, target, replace);
    return comments;
  } catch (...) {
    fs::remove(partial, ec);
    throw;
  }
}

// The dated copies in dir beyond the newest `keep`, oldest first (the names sort by time).
std::vector<fs::path> beyond(const fs::path& dir, unsigned keep) {
  std::vector<fs::path> copies;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && !entry.is_symlink() &&
        is_dated_copy(entry.path().filename().string())) {
      copies.push_back(entry.path());
    }
  }
  std::sort(copies.begin(), copies.end());
  if (copies.size() <= keep) {
    return {};
  }
  copies.resize(copies.size() - keep);
  return copies;
}

// The source database, or the exit code after a message: 2 for a URL this command cannot back up.
std::variant<fs::path, int> source_of(const std::string& storage_url) {
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
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    std::cerr << "comments-service backup: no SQLite database at '" << source.string() << "'\n";
    return 1;
  }
  return source;
}

}  // namespace

int run(const std::string& storage_url, const std::string& to) {
  const auto source = source_of(storage_url);
  if (const int* code = std::get_if<int>(&source)) {
    return *code;
  }
  const auto& from = std::get<fs::path>(source);
  const fs::path target(to);
  std::error_code ec;
  if (fs::equivalent(from, target, ec)) {
    std::cerr << "comments-service backup: --to is the database itself\n";
    return 2;
  }
  try {
    const std::string comments = copy_to(from, target, true);
    std::cout << "comments-service backup: copied " << from.string() << " to " << target.string()
              << " (" << comments << " comments, " << fs::file_size(target) << " bytes)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "comments-service backup: " << e.what() << "\n";
    return 1;
  }
}

int run_dated(const std::string& storage_url, const std::string& to_dir, unsigned keep) {
  const fs::path dir(to_dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "comments-service backup: --to-dir '" << to_dir
              << (fs::exists(dir, ec) ? "' is not a directory\n" : "' does not exist\n");
    return 2;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    std::cerr << "comments-service backup: --to-dir '" << to_dir << "' is not writable ("
              << std::strerror(errno) << ")\n";
    return 2;
  }
  if (keep < 1) {
    std::cerr << "comments-service backup: --keep must be at least 1\n";
    return 2;
  }
  const auto source = source_of(storage_url);
  if (const int* code = std::get_if<int>(&source)) {
    return *code;
  }
  const auto& from = std::get<fs::path>(source);
  const fs::path target = dir / ("comments-" + utc_stamp(std::chrono::system_clock::now()) + ".db");
  try {
    const std::string comments = copy_to(from, target, false);
    std::cout << "comments-service backup: copied " << from.string() << " to " << target.string()
              << " (" << comments << " comments, " << fs::file_size(target) << " bytes)\n";
    // Only after the new copy is safe; only files named like it.
    int failed = 0;
    for (const auto& old : beyond(dir, keep)) {
      if (fs::remove(old, ec)) {
        std::cout << "comments-service backup: removed " << old.string() << " (keeping the newest "
                  << keep << ")\n";
      } else {
        std::cerr << "comments-service backup: cannot remove " << old.string() << ": "
                  << ec.message() << "\n";
        failed = 1;
      }
    }
    return failed;
  } catch (const std::exception& e) {
    std::cerr << "comments-service backup: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace comments::backup
