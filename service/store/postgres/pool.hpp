// A bounded pool of sessions: opened on demand up to its size, checked before reuse (a session the
// server ended while it sat idle is replaced, never handed out), returned only when still usable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "service/store/postgres/session.hpp"

namespace comments::store::pg {

class Pool {
 public:
  // A session borrowed from the pool; returned when still usable, else closed.
  class Lease {
   public:
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Session& operator*() { return *session_; }
    Session* operator->() { return session_.get(); }
    // It served earlier operations (as opposed to opened for this one).
    bool reused() const { return reused_; }

   private:
    friend class Pool;
    Lease(Pool* p, std::unique_ptr<Session> s, bool reused)
        : pool_(p), session_(std::move(s)), reused_(reused) {}
    Pool* pool_;
    std::unique_ptr<Session> session_;
    bool reused_;
  };

  Pool(Connector connector, Purpose purpose, const Clock& clock, unsigned size);

  // An idle session that is still alive, else a new one while fewer than size are open, else
  // waits for one to come back. Throws StoreError(unavailable) when none is free by the deadline
  // or the connector fails.
  Lease lease(Deadline deadline);
  // Sessions opened so far are closed instead of reused (the database was down: each is suspect).
  void retire_all();

  unsigned size() const { return size_; }
  unsigned open_sessions() const;
  // Idle sessions found dead and replaced before use, since start.
  std::uint64_t replaced_dead() const { return replaced_dead_.load(); }

 private:
  void give_back(std::unique_ptr<Session> s);

  Connector connector_;
  Purpose purpose_;
  const Clock& clock_;
  unsigned size_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> replaced_dead_{0};

  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Session>> idle_;
  unsigned open_ = 0;
};

}  // namespace comments::store::pg
