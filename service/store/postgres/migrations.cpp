// The migrations of every release, and how they are applied.
#include "service/store/postgres/migrations.hpp"

#include <string>

#include "service/log/logger.hpp"
#include "service/store/errors.hpp"

namespace comments::store::pg {
namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 3s;
// Replicas starting together wait for the one migrating; a long migration may take a while.
constexpr auto kMigrationDeadline = 120s;

// Advisory lock key spaces (first key of the two-int form): 'cmnt' and 'cmmg'.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(1668115815, 1)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(1668115815, 1)";

}  // namespace

// Append only; a released migration never changes. Each must keep the previous release working
// (add, never rename or drop), because during a rolling update old and new replicas share it.
std::span<const Migration> migrations() {
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

// On its own session, closed afterwards (which also releases the session lock if anything failed
// half-way). Replicas starting together wait on the lock, then find nothing left to do.
int migrate(Session& s, std::span<const Migration> all, Deadline deadline) {
  const std::vector<Statement> start{
      {nullptr, "SET statement_timeout = 0", {}},
      {nullptr, kMigrationLock, {}},
      {nullptr,
       "CREATE TABLE IF NOT EXISTS schema_migrations ("
       "  version integer PRIMARY KEY,"
       "  name text NOT NULL,"
       "  applied_at timestamptz NOT NULL DEFAULT now())",
       {}},
      {nullptr, "SELECT coalesce(max(version), 0) FROM schema_migrations", {}}};
  auto results = s.run(start, deadline);
  const auto current = static_cast<int>(results[3].integer(0, 0));
  const int latest = all.empty() ? 0 : all.back().version;
  if (current > latest) {
    log::warn(
        "PostgreSQL schema is newer than this version knows; continuing (migrations only add)",
        {{"schema_version", current}, {"known_version", latest}});
  }
  for (const auto& m : all) {
    if (m.version <= current) {
      continue;
    }
    std::vector<Statement> steps{{nullptr, "BEGIN", {}}};
    for (const char* sql : m.statements) {
      steps.push_back({nullptr, sql, {}});
    }
    const std::string version = std::to_string(m.version);
    steps.push_back({nullptr,
                     "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                     {version.c_str(), m.name}});
    steps.push_back({nullptr, "COMMIT", {}});
    s.run(steps, deadline);
    log::info("PostgreSQL schema migrated", {{"version", m.version}, {"name", m.name}});
  }
  s.run(std::vector<Statement>{{nullptr, kMigrationUnlock, {}}}, deadline);
  return current;
}

SchemaGate::SchemaGate(Connector connector, const Clock& clock,
                       std::chrono::milliseconds retry_after,
                       std::function<void(const std::string&)> on_timeout,
                       std::span<const Migration> all)
    : connector_(std::move(connector)),
      clock_(clock),
      retry_after_(retry_after),
      on_timeout_(std::move(on_timeout)),
      all_(all) {}

void SchemaGate::ensure() {
  if (ready_.load()) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (ready_.load()) {
    return;
  }
  // A migration that fails for want of rights is not retried by every request at once.
  if (clock_.now() < retry_at_) {
    throw StoreError(errc::unavailable, "schema not ready: " + last_error_);
  }
  // A failure to connect is the circuit's business (the connector reports it), not a schema error.
  auto s = connector_(Purpose::migrate, clock_.now() + kConnectTimeout);
  try {
    migrate(*s, all_, clock_.now() + kMigrationDeadline);
  } catch (const StoreError& e) {
    if (s->timed_out() && on_timeout_) {
      on_timeout_(e.what());
    }
    retry_at_ = clock_.now() + retry_after_;
    if (last_error_ != e.what()) {
      last_error_ = e.what();
      log::error("PostgreSQL schema migration failed", {{"error", e.what()}});
    }
    throw StoreError(errc::unavailable, std::string("schema not ready: ") + e.what());
  }
  ready_.store(true);
}

}  // namespace comments::store::pg
