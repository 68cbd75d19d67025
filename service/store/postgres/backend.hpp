// The shared backend for several replicas: PostgreSQL through libpq, assembled from its parts —
// a circuit breaker (circuit.hpp), a reader pool and the writer's own session (pool.hpp), the
// schema gate (migrations.hpp), one retry rule (retry.hpp) and the SQL encoding (encoding.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "service/store/backend.hpp"
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
  // The same on an injected connector and clock (unit tests); target names the database in logs.
  PostgresBackend(pg::Connector connector, const pg::Clock& clock, unsigned pool_size,
                  std::string target);
  ~PostgresBackend() override;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

  std::string_view name() const override { return "postgresql"; }
  bool exclusive() const override { return false; }
  std::vector<std::int64_t> append(std::span<const NewComment> batch) override;
  Page list(std::string_view content_id, std::int64_t after_id, std::size_t limit) override;
  void ping() override;

  // The statements every query session prepares (name, SQL).
  static std::span<const std::pair<const char*, const char*>> statements();

 private:
  // Runs f(session, deadline) through the circuit, on a session of pool, once more on a new
  // session when pg::run_again says so.
  template <typename F>
  auto execute(pg::Pool& pool, pg::Effect effect, std::chrono::milliseconds budget, F&& f);
  // The database is down: fail fast, and retire every session opened before.
  void down(const std::string& why);
  void open();

  const pg::Clock& clock_;
  std::string target_;
  pg::Circuit circuit_;
  pg::Connector connect_;  // the raw connector, reporting failures to the circuit
  pg::SchemaGate schema_;
  pg::Pool readers_;
  pg::Pool writer_;  // one session, used by the one writer thread only
};

}  // namespace comments::store
