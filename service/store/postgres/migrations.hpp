// The schema: numbered, append-only migrations compiled into the binary, applied under an advisory
// lock so that replicas starting together migrate once, and the gate that runs them before the
// first operation (again later if the database was not there yet, but not on every request).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "service/store/postgres/session.hpp"

namespace comments::store::pg {

struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

// Every migration of this release, in order.
std::span<const Migration> migrations();

// Brings the schema behind s up to the last of all: takes the migration lock, reads the version,
// applies each newer migration in a transaction of its own together with its schema_migrations
// row, releases the lock. Returns the version found before. Throws StoreError.
int migrate(Session& s, std::span<const Migration> all, Deadline deadline);

// Runs the migrations once, on a session of their own, before the first operation that needs
// them. A failure (no rights, database missing) is retried only after retry_after, so that a
// broken schema does not cost every request a connection.
class SchemaGate {
 public:
  // on_timeout hears of a migration that ran out of time (the database may be down).
  SchemaGate(Connector connector, const Clock& clock, std::chrono::milliseconds retry_after,
             std::function<void(const std::string&)> on_timeout,
             std::span<const Migration> all = migrations());

  // Returns once the schema is in place; throws StoreError(unavailable) until it is.
  void ensure();
  bool ready() const { return ready_.load(); }

 private:
  Connector connector_;
  const Clock& clock_;
  std::chrono::milliseconds retry_after_;
  std::function<void(const std::string&)> on_timeout_;
  std::span<const Migration> all_;
  std::atomic<bool> ready_{false};
  std::mutex mutex_;
  Deadline retry_at_{};
  std::string last_error_;
};

}  // namespace comments::store::pg
