// PostgreSQL storage: group commits serialised per content, a reader pool, migrations under an
// advisory lock, and a circuit that fails operations at once while the database is down.
#include "service/store/postgres_backend.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "service/log/logger.hpp"

namespace comments::store {
namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 3s;
constexpr auto kStatementDeadline = 5s;  // the server gives up 1 s earlier (statement_timeout)
// A ping that times out marks the database down (and fails requests for a moment): it gets
// as long as any statement, so that a merely busy server is not taken for a dead one.
constexpr auto kPingDeadline = kStatementDeadline;
constexpr auto kPoolWait = 2s;
constexpr auto kRetryDownAfter = 500ms;  // while down, one probe per this interval
constexpr auto kMigrationDeadline = 120s;

// Advisory lock key spaces (first key of the two-int form): 'cmnt' and 'cmmg'.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(1668115815, 1)";

struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

// Append only; a released migration never changes. Each must keep the previous release working
// (add, never rename or drop), because during a rolling update old and new replicas share it.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all{
      {1,
       "comments table",
       {"CREATE TABLE comments ("
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        "  content_id text NOT NULL,"
        "  email text NOT NULL,"
        "  comment text NOT NULL,"
        "  created_at_ms bigint NOT NULL)",
        "CREATE INDEX comments_by_content ON comments (content_id, id)"}},
  };
  return all;
}

// Why the lock: ids come from a sequence, and a transaction can draw a lower id and commit after
// one that drew a higher id (on another replica, or in a slower transaction). A reader would then
// list 11 before 10 appears, and a client paging with after_id=11 would never see 10. Holding a
// per-content transaction lock before drawing ids makes every content's ids grow in commit order,
// and a comment is acknowledged only after its commit, so list order is acknowledgement order
// across replicas. The keys are taken in ascending order so two batches never deadlock; a hash
// collision between two contents only serialises them.
constexpr const char* kLockContents =
    "SELECT pg_advisory_xact_lock(1668116084, k) FROM"
    " (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS u(c) ORDER BY k) AS keys";
// Rows are produced, and ids drawn, in batch order.
constexpr const char* kInsert =
    "INSERT INTO comments (content_id, email, comment, created_at_ms)"
    " SELECT c, e, t, m FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])"
    "   WITH ORDINALITY AS b(c, e, t, m, n) ORDER BY n"
    " RETURNING id";
constexpr const char* kList =
    "SELECT id, email, comment, created_at_ms FROM comments"
    " WHERE content_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3::bigint";

constexpr std::pair<const char*, const char*> kPrepared[] = {
    {"lock", kLockContents}, {"insert", kInsert}, {"list", kList}, {"ping", "SELECT 1"}};

// One element of a PostgreSQL array literal. Text cannot hold NUL, so a NUL becomes U+FFFD
// rather than failing everyone else's comments in the same transaction.
void add_element(std::string& array, std::string_view s) {
  array += array.size() > 1 ? ",\"" : "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      array += '\\';
      array += ch;
    } else if (ch == '\0') {
      array += "\xEF\xBF\xBD";
    } else {
      array += ch;
    }
  }
  array += '"';
}

std::string read_password(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw StoreError(errc::unavailable,
                     "cannot read the password file '" + path + "': " + std::strerror(errno));
  }
  std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

// A reader connection borrowed from the pool; returned when still usable, else dropped.
class PostgresBackend::Lease {
 public:
  Lease(PostgresBackend& b, std::unique_ptr<pg::Connection> c, bool fresh)
      : backend_(&b), conn_(std::move(c)), fresh_(fresh) {}
  Lease(Lease&& o) noexcept
      : backend_(std::exchange(o.backend_, nullptr)), conn_(std::move(o.conn_)), fresh_(o.fresh_) {}
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    if (backend_ != nullptr) {
      backend_->give_back(std::move(conn_));
    }
  }
  pg::Connection& operator*() { return *conn_; }
  pg::Connection* operator->() { return conn_.get(); }
  bool fresh() const { return fresh_; }

 private:
  PostgresBackend* backend_;
  std::unique_ptr<pg::Connection> conn_;
  bool fresh_;
};

// Admission through the circuit; a probe's success closes it, its end lets the next one in.
class PostgresBackend::Probe {
 public:
  Probe(PostgresBackend& b, bool probing) : backend_(b), probing_(probing) {}
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
  ~Probe() {
    if (probing_) {
      std::lock_guard lock(backend_.state_mutex_);
      backend_.probing_ = false;
    }
  }
  void succeeded() {
    if (probing_) {
      std::lock_guard lock(backend_.state_mutex_);
      backend_.down_ = false;
      backend_.probing_ = false;
      probing_ = false;
    }
  }

 private:
  PostgresBackend& backend_;
  bool probing_;
};

PostgresBackend::PostgresBackend(std::string url, const OpenOptions& options)
    : password_file_(options.password_file), pool_size_(std::max(1U, options.pool_size)) {
  pg::check_url(url);
  params_.url = std::move(url);
  params_.statement_timeout = kStatementDeadline - 1s;
  target_ = pg::describe(params_.url);
  if (!password_file_.empty()) {
    try {
      read_password(password_file_);
    } catch (const StoreError& e) {
      throw std::invalid_argument(e.what());
    }
  }
  log::info("opening PostgreSQL storage", {{"target", target_}, {"pool_size", pool_size_}});
  try {
    ensure_schema();
  } catch (const StoreError& e) {
    log::warn("PostgreSQL is not usable yet; not ready until it is",
              {{"target", target_}, {"error", e.what()}});
  }
}

PostgresBackend::~PostgresBackend() = default;

PostgresBackend::Probe PostgresBackend::admit() {
  std::lock_guard lock(state_mutex_);
  if (!down_) {
    return Probe(*this, false);
  }
  if (!probing_ && pg::Clock::now() >= retry_at_) {
    probing_ = true;
    return Probe(*this, true);
  }
  throw StoreError(errc::unavailable, down_reason_);
}

void PostgresBackend::mark_down(const std::string& why) {
  std::lock_guard lock(state_mutex_);
  if (!down_) {
    down_ = true;
    // Every connection opened before the outage is suspect: drop each on its next use.
    epoch_.fetch_add(1);
  }
  retry_at_ = pg::Clock::now() + kRetryDownAfter;
  down_reason_ = why;
}

std::unique_ptr<pg::Connection> PostgresBackend::connect(pg::Deadline deadline) {
  try {
    pg::ConnectParams p = params_;
    if (!password_file_.empty()) {
      p.password = read_password(password_file_);  // again each time: the Secret may have rotated
    }
    const auto epoch = epoch_.load();
    // The migration's connection prepares nothing: the statements name tables it creates.
    std::span<const std::pair<const char*, const char*>> prepared;
    if (schema_ready_.load()) {
      prepared = kPrepared;
    }
    auto c = std::make_unique<pg::Connection>(p, deadline, prepared);
    c->epoch = epoch;
    return c;
  } catch (const StoreError& e) {
    if (e.code() == errc::unavailable) {
      mark_down(e.what());
    }
    throw;
  }
}

void PostgresBackend::ensure_schema() {
  if (schema_ready_.load()) {
    return;
  }
  std::lock_guard lock(schema_mutex_);
  if (schema_ready_.load()) {
    return;
  }
  // A migration that fails for want of rights is not retried by every request at once.
  if (pg::Clock::now() < schema_retry_at_) {
    throw StoreError(errc::unavailable, "schema not ready: " + last_schema_error_);
  }
  auto c = connect(pg::Clock::now() + kConnectTimeout);
  try {
    migrate(*c);
  } catch (const StoreError& e) {
    if (c->timed_out()) {
      mark_down(e.what());
    }
    schema_retry_at_ = pg::Clock::now() + kRetryDownAfter;
    if (last_schema_error_ != e.what()) {
      last_schema_error_ = e.what();
      log::error("PostgreSQL schema migration failed", {{"error", e.what()}});
    }
    throw StoreError(errc::unavailable, std::string("schema not ready: ") + e.what());
  }
  schema_ready_.store(true);
}

// On its own connection, closed afterwards (which also releases the session lock if anything
// failed half-way). Replicas starting together wait on the lock, then find nothing left to do.
void PostgresBackend::migrate(pg::Connection& c) {
  const auto deadline = pg::Clock::now() + kMigrationDeadline;
  const std::vector<pg::Statement> start{
      {nullptr, "SET statement_timeout = 0", {}},
      {nullptr, kMigrationLock, {}},
      {nullptr,
       "CREATE TABLE IF NOT EXISTS schema_migrations ("
       "  version integer PRIMARY KEY,"
       "  name text NOT NULL,"
       "  applied_at timestamptz NOT NULL DEFAULT now())",
       {}},
      {nullptr, "SELECT coalesce(max(version), 0) FROM schema_migrations", {}}};
  auto results = c.run(start, deadline);
  const auto current = pg::integer(results[3], 0, 0);
  const int latest = migrations().back().version;
  if (current > latest) {
    log::warn(
        "PostgreSQL schema is newer than this version knows; continuing (migrations only add)",
        {{"schema_version", current}, {"known_version", latest}});
  }
  for (const auto& m : migrations()) {
    if (m.version <= current) {
      continue;
    }
    std::vector<pg::Statement> steps{{nullptr, "BEGIN", {}}};
    for (const char* sql : m.statements) {
      steps.push_back({nullptr, sql, {}});
    }
    const std::string version = std::to_string(m.version);
    steps.push_back({nullptr,
                     "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                     {version.c_str(), m.name}});
    steps.push_back({nullptr, "COMMIT", {}});
    c.run(steps, deadline);
    log::info("PostgreSQL schema migrated", {{"version", m.version}, {"name", m.name}});
  }
  c.run(std::vector<pg::Statement>{{nullptr, "SELECT pg_advisory_unlock(1668115815, 1)", {}}},
        deadline);
}

PostgresBackend::Lease PostgresBackend::lease(pg::Deadline deadline) {
  std::vector<std::unique_ptr<pg::Connection>> stale;  // closed after the lock is released
  std::unique_lock lock(pool_mutex_);
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->epoch == epoch_.load()) {
        return Lease(*this, std::move(c), false);
      }
      --open_readers_;
      stale.push_back(std::move(c));
    }
    if (open_readers_ < pool_size_) {
      ++open_readers_;
      lock.unlock();
      try {
        return Lease(*this, connect(deadline), true);
      } catch (...) {
        lock.lock();
        --open_readers_;
        pool_free_.notify_one();
        throw;
      }
    }
    if (pool_free_.wait_until(lock, deadline) == std::cv_status::timeout) {
      throw StoreError(errc::unavailable,
                       "all " + std::to_string(pool_size_) + " PostgreSQL connections stayed busy");
    }
  }
}

void PostgresBackend::give_back(std::unique_ptr<pg::Connection> c) {
  {
    std::lock_guard lock(pool_mutex_);
    if (c && !c->broken() && !c->in_transaction() && c->epoch == epoch_.load()) {
      idle_.push_back(std::move(c));
    } else {
      --open_readers_;
    }
  }
  pool_free_.notify_one();
  c.reset();
}

template <typename F>
auto PostgresBackend::read(std::chrono::milliseconds budget, F&& f) {
  Probe probe = admit();
  ensure_schema();
  for (int attempt = 0;; ++attempt) {
    Lease c =
        lease(pg::Clock::now() + std::min<std::chrono::milliseconds>(kPoolWait, kConnectTimeout));
    try {
      auto result = f(*c, pg::Clock::now() + budget);
      probe.succeeded();
      return result;
    } catch (const StoreError& e) {
      if (c->timed_out()) {
        mark_down(e.what());
      } else if (attempt == 0 && !c.fresh() && c->broken()) {
        continue;  // a pooled connection from before a server restart: once more on a new one
      }
      throw;
    }
  }
}

Page PostgresBackend::list(std::string_view content_id, std::int64_t after_id, std::size_t limit) {
  const std::string content(content_id);
  const std::string after = std::to_string(after_id);
  const std::string count = std::to_string(limit);
  return read(kStatementDeadline, [&](pg::Connection& c, pg::Deadline deadline) {
    const std::vector<pg::Statement> query{
        {"list", nullptr, {content.c_str(), after.c_str(), count.c_str()}}};
    auto results = c.run(query, deadline);
    Page page;
    const int n = pg::rows(results[0]);
    page.comments.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      page.comments.push_back(Comment{pg::integer(results[0], i, 0), pg::text(results[0], i, 1),
                                      pg::text(results[0], i, 2), pg::integer(results[0], i, 3)});
    }
    return page;
  });
}

void PostgresBackend::ping() {
  read(kPingDeadline, [](pg::Connection& c, pg::Deadline deadline) {
    c.run(std::vector<pg::Statement>{{"ping", nullptr, {}}}, deadline);
    return true;
  });
}

std::vector<std::int64_t> PostgresBackend::append(std::span<const NewComment> batch) {
  if (batch.empty()) {
    return {};
  }
  Probe probe = admit();
  ensure_schema();

  std::string contents = "{";
  std::string emails = "{";
  std::string texts = "{";
  std::string times = "{";
  for (const auto& c : batch) {
    add_element(contents, c.content_id);
    add_element(emails, c.email);
    add_element(texts, c.text);
    times += (times.size() > 1 ? "," : "") + std::to_string(c.created_at_ms);
  }
  contents += '}';
  emails += '}';
  texts += '}';
  times += '}';
  // One round trip: the server runs the four in order, and COMMIT's answer is the verdict.
  const std::vector<pg::Statement> transaction{
      {nullptr, "BEGIN", {}},
      {"lock", nullptr, {contents.c_str()}},
      {"insert", nullptr, {contents.c_str(), emails.c_str(), texts.c_str(), times.c_str()}},
      {nullptr, "COMMIT", {}}};

  for (int attempt = 0;; ++attempt) {
    bool fresh = false;
    if (!writer_ || writer_->broken() || writer_->epoch != epoch_.load()) {
      writer_.reset();
      writer_ = connect(pg::Clock::now() + kConnectTimeout);
      fresh = true;
    }
    try {
      auto results = writer_->run(transaction, pg::Clock::now() + kStatementDeadline);
      if (std::string_view(PQcmdStatus(results[3].get())) != "COMMIT") {
        throw StoreError(errc::internal, "PostgreSQL did not commit the batch");
      }
      std::vector<std::int64_t> ids;
      ids.reserve(batch.size());
      for (int i = 0; i < pg::rows(results[2]); ++i) {
        ids.push_back(pg::integer(results[2], i, 0));
      }
      if (ids.size() != batch.size()) {
        throw StoreError(errc::internal, "PostgreSQL returned " + std::to_string(ids.size()) +
                                             " ids for " + std::to_string(batch.size()) +
                                             " comments");
      }
      // Ids were drawn in batch order; sorting makes that independent of RETURNING's order.
      std::sort(ids.begin(), ids.end());
      probe.succeeded();
      return ids;
    } catch (const StoreError& e) {
      if (writer_->timed_out()) {
        mark_down(e.what());
      }
      // Only when the server said it ended the session before COMMIT is it certain that nothing
      // was committed; a connection that just vanished may have committed, so that batch fails
      // (unacknowledged) rather than risk storing it twice.
      const bool retry =
          attempt == 0 && !fresh && writer_->broken() && writer_->server_ended_session();
      if (!writer_->broken() && writer_->in_transaction()) {
        try {
          writer_->run(std::vector<pg::Statement>{{nullptr, "ROLLBACK", {}}},
                       pg::Clock::now() + kPingDeadline);
        } catch (const StoreError&) {
          writer_.reset();
        }
      }
      if (writer_ && writer_->broken()) {
        writer_.reset();
      }
      if (retry) {
        continue;
      }
      throw;
    }
  }
}

}  // namespace comments::store
