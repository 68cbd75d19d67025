// One libpq connection driven without blocking: every wait has a deadline, so a dead, frozen or
// unreachable database costs at most that long, and a connection that failed is never reused.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "service/store/errors.hpp"

struct pg_conn;
struct pg_result;

namespace comments::store::pg {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct ResultDeleter {
  void operator()(pg_result* r) const;
};
using Result = std::unique_ptr<pg_result, ResultDeleter>;

struct ConnectParams {
  std::string url;       // libpq URI; its own settings win over the defaults below
  std::string password;  // empty: the URL's, PGPASSWORD or ~/.pgpass
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{4000};  // server side, below the client deadline
};

// One statement of a pipeline, parameters in text format. Either the name of a statement
// prepared on this connection, or SQL (which may itself be prepared: see prepare).
struct Statement {
  const char* prepared = nullptr;
  const char* sql = nullptr;
  std::vector<const char*> params;
};

class Connection {
 public:
  // Connects, sets session limits and prepares what is given (name, SQL pairs).
  // Throws StoreError(unavailable) with libpq's reason.
  Connection(const ConnectParams& params, Deadline deadline,
             std::span<const std::pair<const char*, const char*>> prepared);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends every statement in one round trip (libpq pipeline mode) and returns one result each,
  // in order. Any failure throws StoreError; later statements then did not run.
  std::vector<Result> run(std::span<const Statement> statements, Deadline deadline);

  // No further use: the socket failed, a deadline passed or the server ended the session.
  bool broken() const { return broken_; }
  // The last failure was a deadline: the database may be frozen or unreachable.
  bool timed_out() const { return timed_out_; }
  // The server itself said it ended the session (SQLSTATE 57P0x) before finishing the pipeline,
  // so nothing of it was committed and it is safe to run it again on a new connection.
  bool server_ended_session() const { return server_ended_; }
  // Inside a transaction (one that failed, or was left open by a broken pipeline).
  bool in_transaction() const;

  std::uint64_t epoch = 0;  // the backend's connection generation this one belongs to

 private:
  void start(const ConnectParams& params, Deadline deadline,
             std::span<const std::pair<const char*, const char*>> prepared);
  void wait_socket(bool for_write, Deadline deadline);
  void flush(Deadline deadline);
  pg_result* next_result(Deadline deadline);
  // Ends the pipeline with a sync and reads count results and the sync.
  std::vector<Result> collect(std::size_t count, Deadline deadline);
  [[noreturn]] void fail_connection(const std::string& what);

  std::string target_;  // "user@host:port/db" for messages; never the password
  pg_conn* conn_ = nullptr;
  bool broken_ = false;
  bool timed_out_ = false;
  bool server_ended_ = false;
};

// "host:port/database as user" from a URL, without the password; for logs and errors.
std::string describe(const std::string& url);
// Throws std::invalid_argument when libpq cannot parse the URL (message without the password).
void check_url(const std::string& url);

// Rows of a result, as text.
int rows(const Result& r);
std::string text(const Result& r, int row, int col);
std::int64_t integer(const Result& r, int row, int col);

}  // namespace comments::store::pg
