// One libpq session driven without blocking: every wait has a deadline, so a dead, frozen or
// unreachable database costs at most that long, and a session that failed is never reused. And
// the connector that opens them, reading the password file afresh each time (rotation).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <utility>

#include "service/store/errors.hpp"
#include "service/store/postgres/session.hpp"

struct pg_conn;
struct pg_result;

namespace comments::store::pg {

struct ConnectParams {
  std::string url;       // libpq URI; its own settings win over the defaults below
  std::string password;  // empty: the URL's, PGPASSWORD or ~/.pgpass
  std::string application_name = "comments-service";
  // This replica's name in change notifications (the session's comments.origin setting).
  std::string origin;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{4000};  // server side, below the client deadline
};

class Connection final : public Session {
 public:
  // Connects, sets session limits and prepares what is given (name, SQL pairs).
  // Throws StoreError(unavailable) with libpq's reason.
  Connection(const ConnectParams& params, Deadline deadline,
             std::span<const std::pair<const char*, const char*>> prepared);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::vector<Result> run(std::span<const Statement> statements, Deadline deadline) override;
  std::optional<Notification> wait_notification(Deadline deadline) override;
  bool alive() override;
  bool broken() const override { return broken_; }
  bool timed_out() const override { return timed_out_; }
  bool server_ended_session() const override { return server_ended_; }
  bool in_transaction() const override;

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

// A libpq message on one line: hints and the reasons of several attempted addresses joined by "; ".
std::string one_line(const char* message);

// The password file's content without its trailing newline. Throws StoreError(unavailable).
std::string read_password_file(const std::string& path);

// Opens libpq sessions on params: query sessions prepare the given statements; the password is
// read from password_file (when given) for every new session, so a rotated Secret takes effect.
Connector libpq_connector(ConnectParams params, std::string password_file,
                          std::span<const std::pair<const char*, const char*>> query_statements);

}  // namespace comments::store::pg
