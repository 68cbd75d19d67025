// Circuit states: closed (everything passes), open (fail fast; one probe per interval).
#include "service/store/postgres/circuit.hpp"

#include <utility>

#include "service/store/errors.hpp"

namespace comments::store::pg {

Circuit::Circuit(const Clock& clock, std::chrono::milliseconds retry_after)
    : clock_(clock), retry_after_(retry_after) {}

Circuit::Admission::Admission(Admission&& o) noexcept
    : circuit_(std::exchange(o.circuit_, nullptr)), probing_(std::exchange(o.probing_, false)) {}

Circuit::Admission::~Admission() {
  if (probing_ && circuit_ != nullptr) {
    std::lock_guard lock(circuit_->mutex_);
    circuit_->probing_ = false;
  }
}

void Circuit::Admission::succeeded() {
  if (probing_ && circuit_ != nullptr) {
    std::lock_guard lock(circuit_->mutex_);
    circuit_->open_ = false;
    circuit_->probing_ = false;
    probing_ = false;
  }
}

Circuit::Admission Circuit::admit() {
  std::lock_guard lock(mutex_);
  if (!open_) {
    return {this, false};
  }
  if (!probing_ && clock_.now() >= retry_at_) {
    probing_ = true;
    return {this, true};
  }
  throw StoreError(errc::unavailable, reason_);
}

bool Circuit::trip(const std::string& why) {
  std::lock_guard lock(mutex_);
  const bool opened = !open_;
  open_ = true;
  retry_at_ = clock_.now() + retry_after_;
  reason_ = why;
  return opened;
}

bool Circuit::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace comments::store::pg
