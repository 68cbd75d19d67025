// The shared backend for several replicas: PostgreSQL through libpq, assembled from its parts —
// a circuit breaker (circuit.hpp), a reader pool and the writer's own session (pool.hpp), the
// schema gate (migrations.hpp), one retry rule (retry.hpp), the SQL encoding (encoding.hpp) and
// the change feed that keeps list caches coherent across replicas (changes.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "service/store/backend.hpp"
#include "service/store/postgres/changes.hpp"
#include "service/store/postgres/circuit.hpp"
#include "service/store/postgres/migrations.hpp"
#include "service/store/postgres/pool.hpp"
#include "service/store/postgres/retry.hpp"
#include "service/store/postgres/session.hpp"

namespace comments::store {

class PostgresBackend : public Backend {
 public:
  // Checks the URL and options (std::invalid_argument) and tries to connect and migrate once;
  // when the database is not there yet, the backend still opens and keeps trying.
  PostgresBackend(std::string url, const OpenOptions& options);
  // The same on an injected connector and clock (unit tests); target names the database in logs,
  // origin this replica in change notifications.
  PostgresBackend(pg::Connector connector, const pg::Clock& clock, unsigned pool_size,
                  std::string target, std::string origin = "test");
  ~PostgresBackend() override;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

  std::string_view name() const override { return "postgresql"; }
  bool exclusive() const override { return false; }
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
  // Listens for other replicas' changes (changes.hpp) on a session and thread of its own.
  void watch(ChangeObserver& observer) override;

  // The statements every query session prepares (name, SQL).
  static std::span<const std::pair<const char*, const char*>> statements();

 private:
  // Runs f(session, deadline) through the circuit, on a session of pool, once more on a new
  // session when pg::run_again says so.
  template <typename F>
  auto execute(pg::Pool& pool, pg::Effect effect, std::chrono::milliseconds budget, F&& f);
  // The database is down: fail fast, and retire every session opened before.
  void down(const std::string& why);
  // One moderation statement (SQL, not prepared: moderation is rare) on a reader session.
  pg::Result moderate(pg::Effect effect, const char* sql, std::vector<const char*> params);
  void open();
  PostgresBackend(const std::string& url, const OpenOptions& options, std::string origin);

  const pg::Clock& clock_;
  std::string target_;
  std::string origin_;
  pg::Circuit circuit_;
  pg::Connector raw_;
  pg::Connector connect_;  // raw_, reporting failures to the circuit
  pg::SchemaGate schema_;
  pg::Pool readers_;
  pg::Pool writer_;                       // one session, used by the one writer thread only
  std::unique_ptr<pg::ChangeFeed> feed_;  // last: stopped before the rest goes
};

}  // namespace comments::store
