// A compare-and-swap loop for the body budget (taken once per request body), one mutex for the
// per-client counts (taken once per connection, and only when the cap is on).
#include "service/http/budgets.hpp"

namespace comments::http {

bool BodyBudget::try_take(std::size_t n) {
  auto used = used_.load(std::memory_order_relaxed);
  do {
    if (n > limit_ || used > limit_ - n) {
      return false;
    }
  } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
  return true;
}

bool ConnectionsPerClient::try_open(const ClientKey& client) {
  std::lock_guard lock(mutex_);
  auto& n = open_[client];  // cap_ > 0: a new entry is counted at once, never left at 0
  if (n >= cap_) {
    return false;
  }
  ++n;
  return true;
}

void ConnectionsPerClient::close(const ClientKey& client) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(client);
  if (it != open_.end() && --it->second == 0) {
    open_.erase(it);
  }
}

}  // namespace comments::http
