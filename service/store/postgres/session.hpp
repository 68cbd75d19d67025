// What the parts of the PostgreSQL backend need of a database session and of time: the Session
// interface (libpq's Connection implements it, unit tests script fakes), the Connector that opens
// one, and the Clock every deadline and retry interval is read from.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace comments::store::pg {

using Deadline = std::chrono::steady_clock::time_point;

// Where "now" comes from; tests move a manual clock instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Deadline now() const = 0;
};
// std::chrono::steady_clock.
const Clock& steady_clock();

// What one statement returned, copied out of libpq (so that fakes can return it too).
struct Result {
  std::string command;  // the command tag: "COMMIT", or "ROLLBACK" when COMMIT ended a failed one
  int columns = 0;
  std::vector<std::string> values;  // row after row, a NULL as ""

  int rows() const { return columns > 0 ? static_cast<int>(values.size()) / columns : 0; }
  const std::string& text(int row, int col) const {
    return values[(static_cast<std::size_t>(row) * static_cast<std::size_t>(columns)) +
                  static_cast<std::size_t>(col)];
  }
  // Throws StoreError(internal) when the value is not an integer.
  std::int64_t integer(int row, int col) const;
};

// One statement of a pipeline, parameters in text format. Either the name of a statement
// prepared on this session, or SQL.
struct Statement {
  const char* prepared = nullptr;
  const char* sql = nullptr;
  std::vector<const char*> params;
};

// A NOTIFY delivered to a session that LISTENs.
struct Notification {
  std::string channel;
  std::string payload;
};

class Session {
 public:
  virtual ~Session() = default;

  // Sends every statement in one round trip and returns one result each, in order. Any failure
  // throws StoreError; later statements then did not run.
  virtual std::vector<Result> run(std::span<const Statement> statements, Deadline deadline) = 0;
  // Waits until a notification arrives (nullopt at the deadline). Throws StoreError when the
  // session fails meanwhile.
  virtual std::optional<Notification> wait_notification(Deadline deadline) = 0;
  // Checks without waiting whether the server ended this idle session (a restart, a failover,
  // pg_terminate_backend): anything it sent while we were not asking means it is gone. A session
  // that is not alive is broken afterwards.
  virtual bool alive() = 0;

  // No further use: the socket failed, a deadline passed or the server ended the session.
  virtual bool broken() const = 0;
  // The last failure was a deadline: the database may be frozen or unreachable.
  virtual bool timed_out() const = 0;
  // The server said it ended the session (SQLSTATE 57P0x) in place of a statement's result, so
  // that statement and every later one of the pipeline never ran.
  virtual bool server_ended_session() const = 0;
  // Inside a transaction (one that failed, or was left open by a broken pipeline).
  virtual bool in_transaction() const = 0;

  std::uint64_t generation = 0;  // which generation of its pool opened it (see Pool::retire_all)
};

// What a session is opened for: each prepares what it will run.
enum class Purpose {
  migrate,  // prepares nothing: the statements name tables it creates
  query,    // readers and the writer: the list, insert and ping statements
  listen,   // the change notifications: LISTEN and heartbeats, asynchronous commit
};

// Opens a new session (reading the password afresh each time). Throws StoreError.
using Connector = std::function<std::unique_ptr<Session>(Purpose purpose, Deadline deadline)>;

}  // namespace comments::store::pg
