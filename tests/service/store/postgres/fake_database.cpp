// The scripted database: a log of statements, counts of sessions, faults on demand.
#include "tests/service/store/postgres/fake_database.hpp"

#include <algorithm>

namespace comments::testing {

using comments::store::errc;
using comments::store::StoreError;

std::string describe(const pg::Statement& s) {
  return s.prepared != nullptr ? std::string(s.prepared) : std::string(s.sql);
}

FakeSession::~FakeSession() { db_.closed(); }

std::vector<pg::Result> FakeSession::run(std::span<const pg::Statement> statements,
                                         pg::Deadline /*deadline*/) {
  if (broken_) {
    throw StoreError(errc::unavailable, "fake: the session is closed");
  }
  for (const auto& s : statements) {
    db_.record("#" + std::to_string(number_) + " " + describe(s));
  }
  if (statements.size() == 1 && describe(statements[0]) == "SELECT pg_notify($1, $2)" &&
      purpose_ == pg::Purpose::listen) {
    if (!db_.hold_heartbeats) {
      db_.notify({statements[0].params[0], statements[0].params[1]});
    }
    return {pg::Result{"SELECT 1", 1, {""}}};
  }
  Fault fault = Fault::none;
  auto results = db_.answer(*this, statements, fault);
  switch (fault) {
    case Fault::none:
      return results;
    case Fault::error:
      throw StoreError(errc::internal, "fake: refused (SQLSTATE 23505)");
    case Fault::lost:
      broken_ = true;
      throw StoreError(errc::unavailable, "fake: lost the connection");
    case Fault::ended:
      broken_ = true;
      server_ended_ = true;
      throw StoreError(errc::unavailable,
                       "fake: terminating connection due to administrator command");
    case Fault::timeout:
      broken_ = true;
      timed_out_ = true;
      throw StoreError(errc::unavailable, "fake: did not answer in time");
  }
  return results;
}

std::optional<pg::Notification> FakeSession::wait_notification(pg::Deadline /*deadline*/) {
  if (broken_) {
    throw StoreError(errc::unavailable, "fake: the session is closed");
  }
  if (db_.lose_listener.exchange(false)) {
    broken_ = true;
    throw StoreError(errc::unavailable, "fake: lost the connection");
  }
  // The deadline is on the manual clock, which does not move while we wait: wait a little in
  // real time instead, so the listening loop comes round again.
  std::unique_lock lock(db_.mutex_);
  db_.notified_.wait_for(lock, std::chrono::milliseconds(2),
                         [this] { return !db_.notifications_.empty(); });
  if (db_.notifications_.empty()) {
    return std::nullopt;
  }
  auto n = std::move(db_.notifications_.front());
  db_.notifications_.pop_front();
  return n;
}

bool FakeSession::alive() {
  const auto& dead = db_.dead_while_idle;
  if (broken_ || std::find(dead.begin(), dead.end(), number_) != dead.end()) {
    broken_ = true;
    return false;
  }
  return true;
}

pg::Connector FakeDatabase::connector() {
  return [this](pg::Purpose purpose, pg::Deadline) -> std::unique_ptr<pg::Session> {
    std::lock_guard lock(mutex_);
    if (!refuse_.empty()) {
      throw StoreError(errc::unavailable, refuse_);
    }
    ++open_;
    return std::make_unique<FakeSession>(*this, ++opened_, purpose);
  };
}

void FakeDatabase::refuse(std::string reason) {
  std::lock_guard lock(mutex_);
  refuse_ = std::move(reason);
}

void FakeDatabase::notify(pg::Notification n) {
  {
    std::lock_guard lock(mutex_);
    notifications_.push_back(std::move(n));
  }
  notified_.notify_all();
}

int FakeDatabase::opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

int FakeDatabase::open_now() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::vector<std::string> FakeDatabase::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

void FakeDatabase::record(const std::string& line) {
  std::lock_guard lock(mutex_);
  log_.push_back(line);
}

void FakeDatabase::closed() {
  std::lock_guard lock(mutex_);
  --open_;
}

pg::Result rows(std::vector<std::vector<std::string>> values, std::string command) {
  pg::Result r;
  r.command = std::move(command);
  r.columns = values.empty() ? 1 : static_cast<int>(values.front().size());
  for (auto& row : values) {
    for (auto& v : row) {
      r.values.push_back(std::move(v));
    }
  }
  return r;
}

}  // namespace comments::testing
