// The pool: a stack of idle sessions (the most recently used first), a count of open ones, and a
// generation that retire_all() advances so that sessions from before an outage are not reused.
#include "service/store/postgres/pool.hpp"

#include <string>
#include <utility>

#include "service/store/errors.hpp"

namespace comments::store::pg {

Pool::Lease::Lease(Lease&& o) noexcept
    : pool_(std::exchange(o.pool_, nullptr)), session_(std::move(o.session_)), reused_(o.reused_) {}

Pool::Lease::~Lease() {
  if (pool_ != nullptr) {
    pool_->give_back(std::move(session_));
  }
}

Pool::Pool(Connector connector, Purpose purpose, const Clock& clock, unsigned size)
    : connector_(std::move(connector)),
      purpose_(purpose),
      clock_(clock),
      size_(size > 0 ? size : 1) {}

Pool::Lease Pool::lease(Deadline deadline) {
  for (;;) {
    std::unique_ptr<Session> idle;
    {
      std::unique_lock lock(mutex_);
      while (idle_.empty() && open_ >= size_) {
        const auto left = deadline - clock_.now();
        if (left <= Deadline::duration::zero() ||
            returned_.wait_for(lock, left) == std::cv_status::timeout) {
          if (!idle_.empty() || open_ < size_) {
            break;
          }
          throw StoreError(errc::unavailable,
                           "all " + std::to_string(size_) + " PostgreSQL connections stayed busy");
        }
      }
      if (!idle_.empty()) {
        idle = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    if (idle) {
      // Checked outside the lock: it may read what the server sent meanwhile.
      const bool current = idle->generation == generation_.load();
      if (current && idle->alive()) {
        return {this, std::move(idle), true};
      }
      if (current) {
        replaced_dead_.fetch_add(1);
      }
      idle.reset();
      {
        std::lock_guard lock(mutex_);
        --open_;
      }
      continue;  // the next idle one, or a new one in its place
    }
    const auto generation = generation_.load();
    try {
      auto s = connector_(purpose_, deadline);
      s->generation = generation;
      return {this, std::move(s), false};
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        --open_;
      }
      returned_.notify_one();
      throw;
    }
  }
}

void Pool::give_back(std::unique_ptr<Session> s) {
  {
    std::lock_guard lock(mutex_);
    if (s && !s->broken() && !s->in_transaction() && s->generation == generation_.load()) {
      idle_.push_back(std::move(s));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
  s.reset();  // a dropped session closes outside the lock
}

void Pool::retire_all() { generation_.fetch_add(1); }

unsigned Pool::open_sessions() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace comments::store::pg
