// A scripted stand-in for PostgreSQL behind the backend's parts: a manual clock, and a connector
// whose sessions record what they run and fail the way libpq sessions do (broken, timed out,
// ended by the server, dead while idle), so each rule is tested without a server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "service/store/errors.hpp"
#include "service/store/postgres/session.hpp"

namespace comments::testing {

namespace pg = comments::store::pg;

// Moves only when told (from any thread).
class ManualClock final : public pg::Clock {
 public:
  pg::Deadline now() const override { return pg::Deadline(pg::Deadline::duration(now_.load())); }
  void advance(std::chrono::milliseconds d) {
    now_ += std::chrono::duration_cast<pg::Deadline::duration>(d).count();
  }

 private:
  std::atomic<pg::Deadline::rep> now_{std::chrono::steady_clock::now().time_since_epoch().count()};
};

class FakeDatabase;

class FakeSession final : public pg::Session {
 public:
  FakeSession(FakeDatabase& db, int number, pg::Purpose purpose)
      : db_(db), number_(number), purpose_(purpose) {}
  ~FakeSession() override;

  std::vector<pg::Result> run(std::span<const pg::Statement> statements,
                              pg::Deadline deadline) override;
  std::optional<pg::Notification> wait_notification(pg::Deadline deadline) override;
  bool alive() override;
  bool broken() const override { return broken_; }
  bool timed_out() const override { return timed_out_; }
  bool server_ended_session() const override { return server_ended_; }
  bool in_transaction() const override { return in_transaction_; }

  int number() const { return number_; }
  pg::Purpose purpose() const { return purpose_; }

  // How the next failure looks (set by the database's script).
  bool broken_ = false;
  bool timed_out_ = false;
  bool server_ended_ = false;
  bool in_transaction_ = false;

 private:
  FakeDatabase& db_;
  int number_;
  pg::Purpose purpose_;
};

// What a statement is, for the script and the log: its prepared name or its SQL.
std::string describe(const pg::Statement& s);

// How one run ends: answered, or failed in one of libpq's ways.
enum class Fault {
  none,
  error,    // the server refused the statement; the session is fine (e.g. a unique violation)
  lost,     // the connection vanished mid-pipeline: broken, outcome unknown
  ended,    // the server ended the session in place of a result (57P01): broken, nothing ran
  timeout,  // the deadline passed: broken, timed out
};

class FakeDatabase {
 public:
  // A connector opening FakeSessions on this database.
  pg::Connector connector();

  // Decides each run: returns the results, or sets fault and returns nothing.
  using Answer = std::function<std::vector<pg::Result>(FakeSession&, std::span<const pg::Statement>,
                                                       Fault& fault)>;
  Answer answer = [](FakeSession&, std::span<const pg::Statement> statements, Fault&) {
    return std::vector<pg::Result>(statements.size(), pg::Result{"OK", 0, {}});
  };

  // Connecting fails with this reason while it is not empty.
  void refuse(std::string reason);
  // Sessions whose number is listed here are found dead by alive() (the server ended them).
  std::vector<int> dead_while_idle;
  // Delivers a notification to listen sessions (as NOTIFY would). A heartbeat a listen session
  // sends itself (SELECT pg_notify($1, $2)) is delivered this way unless hold_heartbeats.
  void notify(pg::Notification n);
  std::atomic<bool> hold_heartbeats{false};
  // The next wait_notification of a listen session fails: the connection was lost.
  std::atomic<bool> lose_listener{false};

  int opened() const;
  int open_now() const;
  std::vector<std::string> log() const;  // "#N STATEMENT" for everything run, in order
  void record(const std::string& line);
  void closed();

 private:
  friend class FakeSession;
  mutable std::mutex mutex_;
  std::condition_variable notified_;
  std::deque<pg::Notification> notifications_;
  std::string refuse_;
  int opened_ = 0;
  int open_ = 0;
  std::vector<std::string> log_;
};

// A result with one row per vector of values.
pg::Result rows(std::vector<std::vector<std::string>> values, std::string command = "SELECT");

}  // namespace comments::testing
