// The migrations of every release, and how they are applied.
#include "service/store/postgres/migrations.hpp"

#include <string>

#include "service/log/logger.hpp"
#include "service/store/errors.hpp"
#include "service/store/postgres/changes.hpp"

namespace comments::store::pg {
namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 3s;
// Replicas starting together wait for the one migrating; a long migration may take a while.
constexpr auto kMigrationDeadline = 120s;

// Advisory lock key spaces (first key of the two-int form): 'cmnt' and 'cmmg'.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(1668115815, 1)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(1668115815, 1)";

// Migration 2: every statement that changes comments notifies kChangesChannel in its own
// transaction with the contents it touched (see changes.hpp for the payload). A trigger rather
// than a NOTIFY from the service, so that comments edited or deleted by hand (moderation) reach
// every replica's cache as well.
const std::string& notify_function() {
  static const std::string sql =
      "CREATE FUNCTION comments_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$\n"
      "DECLARE\n"
      "  ids text;\n"
      "  odd boolean;\n"
      "BEGIN\n"
      "  IF TG_OP = 'INSERT' THEN\n"
      "    SELECT string_agg(DISTINCT content_id, ' '), bool_or(content_id !~ '^[^[:space:]*]+$')\n"
      "      INTO ids, odd FROM new_rows;\n"
      "  ELSIF TG_OP = 'DELETE' THEN\n"
      "    SELECT string_agg(DISTINCT content_id, ' '), bool_or(content_id !~ '^[^[:space:]*]+$')\n"
      "      INTO ids, odd FROM old_rows;\n"
      "  ELSIF TG_OP = 'UPDATE' THEN\n"
      "    SELECT string_agg(DISTINCT content_id, ' '), bool_or(content_id !~ '^[^[:space:]*]+$')\n"
      "      INTO ids, odd FROM (SELECT content_id FROM old_rows\n"
      "                          UNION SELECT content_id FROM new_rows) AS touched;\n"
      "  ELSE\n"
      "    ids := '*';\n"  // TRUNCATE
      "  END IF;\n"
      "  IF ids IS NULL THEN\n"
      "    RETURN NULL;\n"
      "  END IF;\n"
      "  IF odd OR octet_length(ids) > 7000 THEN\n"  // NOTIFY payloads stop at 8000 bytes
      "    ids := '*';\n"
      "  END IF;\n"
      "  PERFORM pg_notify('" +
      std::string(kChangesChannel) +
      "',\n"
      "    coalesce(nullif(current_setting('comments.origin', true), ''), '-') || ' ' || ids);\n"
      "  RETURN NULL;\n"
      "END $$";
  return sql;
}

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
      {2,
       "change notifications",
       {notify_function().c_str(),
        "CREATE TRIGGER comments_changes_insert AFTER INSERT ON comments"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION comments_notify_changes()",
        "CREATE TRIGGER comments_changes_update AFTER UPDATE ON comments"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION comments_notify_changes()",
        "CREATE TRIGGER comments_changes_delete AFTER DELETE ON comments"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION comments_notify_changes()",
        "CREATE TRIGGER comments_changes_truncate AFTER TRUNCATE ON comments"
        " FOR EACH STATEMENT EXECUTE FUNCTION comments_notify_changes()"}},
      // A state per comment (existing ones stay visible; the UPDATE trigger of migration 2
      // reports state changes to every replica), blocked posters and the audit log. Replicas of
      // the previous release keep working but list every state until they are replaced.
      {3,
       "moderation",
       {"ALTER TABLE comments ADD COLUMN state text NOT NULL DEFAULT 'visible'"
        " CHECK (state IN ('visible', 'hidden', 'pending', 'deleted'))",
        "CREATE INDEX comments_by_state ON comments (state, id)",
        "CREATE TABLE blocks ("
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        "  kind text NOT NULL,"
        "  value text NOT NULL,"
        "  created_at_ms bigint NOT NULL,"
        "  UNIQUE (kind, value))",
        "CREATE TABLE audit ("
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        "  at_ms bigint NOT NULL,"
        "  actor text NOT NULL,"
        "  action text NOT NULL,"
        "  target text NOT NULL)"}},
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
