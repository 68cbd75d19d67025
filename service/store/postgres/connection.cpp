// libpq in non-blocking pipeline mode with poll(2) deadlines, and SQLSTATE classification.
#include "service/store/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "service/store/postgres/url.hpp"

namespace comments::store::pg {

std::string one_line(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  // libpq puts hints and the reasons of several attempted addresses on lines of their own.
  std::string line;
  for (char c : out) {
    if (c == '\n') {
      line += "; ";
    } else if (c != '\t') {
      line += c;
    }
  }
  return line;
}

namespace {

// Whether retrying later may help (and readiness should fail), by SQLSTATE class.
errc classify(std::string_view sqlstate) {
  static constexpr std::string_view kTransient[] = {
      "08",     // connection exception
      "53",     // insufficient resources: disk full, too many connections
      "57",     // operator intervention: statement timeout, shutdown, cannot connect now
      "58",     // system error: I/O
      "40",     // serialization failure, deadlock
      "25006",  // read-only transaction: we reached a standby, e.g. after a failover
      "55P03",  // lock not available
      "28",     // invalid authorization (a password being rotated)
      "3D000",  // database does not exist (yet)
  };
  for (auto prefix : kTransient) {
    if (sqlstate.starts_with(prefix)) {
      return errc::unavailable;
    }
  }
  return errc::internal;
}

void silence_notices(void* /*arg*/, const char* /*message*/) {}

struct ResultDeleter {
  void operator()(pg_result* r) const { PQclear(r); }
};
using LibpqResult = std::unique_ptr<pg_result, ResultDeleter>;

Result copy_out(const pg_result* r) {
  Result out;
  out.command = PQcmdStatus(const_cast<pg_result*>(r));
  out.columns = PQnfields(r);
  const int n = PQntuples(r);
  out.values.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(out.columns));
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < out.columns; ++col) {
      out.values.emplace_back(PQgetvalue(r, row, col),
                              static_cast<std::size_t>(PQgetlength(r, row, col)));
    }
  }
  return out;
}

// Waits until fd is readable; false at the deadline. Throws nothing: the caller decides.
int poll_readable(int fd, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, left > 0 ? static_cast<int>(left) : 0);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    return rc;
  }
}

}  // namespace

Connection::Connection(const ConnectParams& params, Deadline deadline,
                       std::span<const std::pair<const char*, const char*>> prepared)
    : target_(describe(params.url)) {
  const std::string connect_seconds =
      std::to_string(std::max<long long>(2, (params.connect_timeout.count() + 999) / 1000));
  // Defaults first, so that the URL's own parameters override them; the password file last,
  // so that it overrides the URL (it is the one a rotated Secret updates).
  std::vector<const char*> keys{"connect_timeout",           "keepalives",
                                "keepalives_idle",           "keepalives_interval",
                                "keepalives_count",          "tcp_user_timeout",
                                "target_session_attrs",      "client_encoding",
                                "fallback_application_name", "dbname"};
  std::vector<const char*> values{connect_seconds.c_str(),
                                  "1",
                                  "10",
                                  "3",
                                  "3",
                                  "10000",
                                  "read-write",
                                  "UTF8",
                                  params.application_name.c_str(),
                                  params.url.c_str()};
  if (!params.password.empty()) {
    keys.push_back("password");
    values.push_back(params.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  conn_ = PQconnectStartParams(keys.data(), values.data(), 1);
  if (conn_ == nullptr) {
    throw StoreError(errc::unavailable, "PostgreSQL: out of memory");
  }
  try {
    start(params, deadline, prepared);
  } catch (...) {
    PQfinish(conn_);  // the destructor does not run for a constructor that throws
    throw;
  }
}

void Connection::start(const ConnectParams& params, Deadline deadline,
                       std::span<const std::pair<const char*, const char*>> prepared) {
  if (PQstatus(conn_) == CONNECTION_BAD) {
    fail_connection("cannot connect");
  }
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      fail_connection("cannot connect");
    }
    wait_socket(state == PGRES_POLLING_WRITING, deadline);
    state = PQconnectPoll(conn_);
  }
  PQsetNoticeProcessor(conn_, silence_notices, nullptr);
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    fail_connection("cannot enter pipeline mode");
  }

  // A statement (or a lock wait) that outlives the client's deadline is cancelled by the server
  // too, and a session stuck inside a transaction cannot hold its locks for long.
  const std::string set_timeout =
      "SET statement_timeout = " + std::to_string(params.statement_timeout.count());
  std::vector<Statement> setup{{nullptr, set_timeout.c_str(), {}},
                               {nullptr, "SET idle_in_transaction_session_timeout = 15000", {}}};
  // Read by the change-notification trigger, so that a replica can skip its own changes.
  const std::string set_origin = "SELECT set_config('comments.origin', $1, false)";
  if (!params.origin.empty()) {
    setup.push_back({nullptr, set_origin.c_str(), {params.origin.c_str()}});
  }
  run(setup, deadline);
  for (const auto& [name, sql] : prepared) {
    if (PQsendPrepare(conn_, name, sql, 0, nullptr) != 1) {
      fail_connection("cannot send");
    }
  }
  if (!prepared.empty()) {
    collect(prepared.size(), deadline);
  }
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::in_transaction() const {
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void Connection::fail_connection(const std::string& what) {
  broken_ = true;
  throw StoreError(errc::unavailable,
                   "PostgreSQL " + target_ + ": " + what + ": " + one_line(PQerrorMessage(conn_)));
}

void Connection::wait_socket(bool for_write, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    const int fd = PQsocket(conn_);
    if (fd < 0) {
      fail_connection("no socket");
    }
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT | POLLIN : POLLIN), 0};
    const int rc = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (rc > 0) {
      return;
    }
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    broken_ = true;
    timed_out_ = rc == 0;
    throw StoreError(
        errc::unavailable,
        "PostgreSQL " + target_ +
            (rc == 0 ? " did not answer in time" : std::string(": poll: ") + std::strerror(errno)));
  }
}

void Connection::flush(Deadline deadline) {
  for (;;) {
    const int rc = PQflush(conn_);
    if (rc == 0) {
      return;
    }
    if (rc < 0) {
      fail_connection("cannot send");
    }
    wait_socket(true, deadline);
    // The server may be waiting for us to read before it reads more.
    if (PQconsumeInput(conn_) != 1) {
      fail_connection("lost the connection");
    }
  }
}

pg_result* Connection::next_result(Deadline deadline) {
  while (PQisBusy(conn_) != 0) {
    wait_socket(false, deadline);
    if (PQconsumeInput(conn_) != 1) {
      fail_connection("lost the connection");
    }
  }
  return PQgetResult(conn_);
}

std::vector<Result> Connection::run(std::span<const Statement> statements, Deadline deadline) {
  for (const auto& s : statements) {
    const int n = static_cast<int>(s.params.size());
    const int ok =
        s.prepared != nullptr
            ? PQsendQueryPrepared(conn_, s.prepared, n, s.params.data(), nullptr, nullptr, 0)
            : PQsendQueryParams(conn_, s.sql, n, nullptr, s.params.data(), nullptr, nullptr, 0);
    if (ok != 1) {
      fail_connection("cannot send");
    }
  }
  return collect(statements.size(), deadline);
}

std::vector<Result> Connection::collect(std::size_t count, Deadline deadline) {
  if (PQpipelineSync(conn_) != 1) {
    fail_connection("cannot send");
  }
  flush(deadline);
  std::vector<Result> out;
  out.reserve(count);
  std::string error;
  std::string sqlstate;
  for (std::size_t i = 0; i < count; ++i) {
    LibpqResult first(next_result(deadline));
    // A statement's results end with a null; keep the first.
    while (first != nullptr) {
      pg_result* more = next_result(deadline);
      if (more == nullptr) {
        break;
      }
      PQclear(more);
    }
    if (first == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
      if (first != nullptr && error.empty()) {
        const char* state = PQresultErrorField(first.get(), PG_DIAG_SQLSTATE);
        sqlstate = state != nullptr ? state : "";
        error = one_line(PQresultErrorField(first.get(), PG_DIAG_MESSAGE_PRIMARY));
      }
      // The server's FATAL (57P0x: terminated, shutting down) took the place of a statement's
      // result, possibly read before the close: that statement and the later ones never ran.
      server_ended_ = sqlstate.starts_with("57P");
      broken_ = true;
      throw StoreError(errc::unavailable, "PostgreSQL " + target_ + ": lost the connection" +
                                              (error.empty() ? "" : ": " + error));
    }
    const auto status = PQresultStatus(first.get());
    if (status == PGRES_FATAL_ERROR && error.empty()) {
      const char* state = PQresultErrorField(first.get(), PG_DIAG_SQLSTATE);
      sqlstate = state != nullptr ? state : "";
      const char* primary = PQresultErrorField(first.get(), PG_DIAG_MESSAGE_PRIMARY);
      error = one_line(primary != nullptr ? primary : PQresultErrorMessage(first.get()));
    }
    out.push_back(copy_out(first.get()));
  }
  LibpqResult sync(next_result(deadline));
  if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
    broken_ = true;
    throw StoreError(errc::unavailable, "PostgreSQL " + target_ + ": lost the pipeline");
  }
  if (!error.empty()) {
    // After a failover the old primary may accept us read-only, and a session the server ended
    // is gone: a new connection is the only way forward.
    if (sqlstate == "25006" || sqlstate.starts_with("57P")) {
      broken_ = true;
      server_ended_ = sqlstate.starts_with("57P");
    }
    throw StoreError(classify(sqlstate), "PostgreSQL: " + error + " (SQLSTATE " + sqlstate + ")");
  }
  return out;
}

std::optional<Notification> Connection::wait_notification(Deadline deadline) {
  for (;;) {
    if (PGnotify* n = PQnotifies(conn_)) {
      Notification out{n->relname, n->extra != nullptr ? n->extra : ""};
      PQfreemem(n);
      return out;
    }
    if (broken_) {
      throw StoreError(errc::unavailable, "PostgreSQL " + target_ + ": the session is closed");
    }
    const int fd = PQsocket(conn_);
    if (fd < 0) {
      fail_connection("no socket");
    }
    const int rc = poll_readable(fd, deadline);
    if (rc == 0) {
      return std::nullopt;
    }
    if (rc < 0) {
      broken_ = true;
      throw StoreError(errc::unavailable,
                       "PostgreSQL " + target_ + ": poll: " + std::strerror(errno));
    }
    if (PQconsumeInput(conn_) != 1 || PQstatus(conn_) == CONNECTION_BAD) {
      fail_connection("lost the connection");
    }
  }
}

bool Connection::alive() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return false;
  }
  const int fd = PQsocket(conn_);
  // Nothing is due on an idle session: whatever arrived (the FATAL that precedes the server's
  // close, or the close itself) means the server is gone or going.
  if (fd < 0 || poll_readable(fd, std::chrono::steady_clock::now()) != 0) {
    broken_ = true;
    return false;
  }
  return true;
}

std::string read_password_file(const std::string& path) {
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

Connector libpq_connector(ConnectParams params, std::string password_file,
                          std::span<const std::pair<const char*, const char*>> query_statements) {
  std::vector<std::pair<const char*, const char*>> statements(query_statements.begin(),
                                                              query_statements.end());
  return [params = std::move(params), file = std::move(password_file),
          statements = std::move(statements)](Purpose purpose,
                                              Deadline deadline) -> std::unique_ptr<Session> {
    ConnectParams p = params;
    if (!file.empty()) {
      p.password = read_password_file(file);  // again each time: the Secret may have rotated
    }
    std::span<const std::pair<const char*, const char*>> prepared;
    if (purpose == Purpose::query) {
      prepared = statements;
    }
    if (purpose == Purpose::listen) {
      p.application_name += "/changes";  // told apart in pg_stat_activity
    }
    return std::make_unique<Connection>(p, deadline, prepared);
  };
}

}  // namespace comments::store::pg
