// The shared backend for several replicas: PostgreSQL through libpq, a pool of reader connections,
// the writer's own connection, versioned migrations, and fail-fast behaviour while it is down.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "service/store/backend.hpp"
#include "service/store/postgres_connection.hpp"

namespace comments::store {

class PostgresBackend : public Backend {
 public:
  // Checks the URL (std::invalid_argument) and tries to connect and migrate once; when the
  // database is not there yet, the backend still opens and keeps trying on every operation.
  PostgresBackend(std::string url, const OpenOptions& options);
  ~PostgresBackend() override;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

  std::string_view name() const override { return "postgresql"; }
  bool exclusive() const override { return false; }
  std::vector<std::int64_t> append(std::span<const NewComment> batch) override;
  Page list(std::string_view content_id, std::int64_t after_id, std::size_t limit) override;
  void ping() override;

 private:
  class Lease;
  class Probe;

  // A new connection with a freshly read password; a failure marks the database down.
  std::unique_ptr<pg::Connection> connect(pg::Deadline deadline);
  Lease lease(pg::Deadline deadline);
  void give_back(std::unique_ptr<pg::Connection> c);
  void ensure_schema();
  void migrate(pg::Connection& c);
  // Runs f on a pooled connection, once more on a new one when a pooled connection turned out
  // to be stale (the server restarted since it was opened).
  template <typename F>
  auto read(std::chrono::milliseconds budget, F&& f);

  // While the database is known to be down, operations fail at once except one probe at a time.
  Probe admit();
  void mark_down(const std::string& why);

  pg::ConnectParams params_;
  std::string password_file_;
  std::string target_;
  unsigned pool_size_;

  std::mutex pool_mutex_;
  std::condition_variable pool_free_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;
  unsigned open_readers_ = 0;

  std::unique_ptr<pg::Connection> writer_;  // used by the one writer thread only

  std::atomic<bool> schema_ready_{false};
  std::mutex schema_mutex_;
  std::string last_schema_error_;
  pg::Clock::time_point schema_retry_at_{};

  std::mutex state_mutex_;
  bool down_ = false;
  bool probing_ = false;
  pg::Clock::time_point retry_at_{};
  std::string down_reason_;
  std::atomic<std::uint64_t> epoch_{0};
};

}  // namespace comments::store
