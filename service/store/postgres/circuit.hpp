// The circuit breaker: while the database is known to be down, operations fail at once with the
// reason, except one probe at a time every retry interval; the probe's success closes it.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "service/store/postgres/session.hpp"

namespace comments::store::pg {

class Circuit {
 public:
  // Admission through the circuit; a probe's success closes it, its end lets the next one in.
  class Admission {
   public:
    Admission(Admission&& o) noexcept;
    Admission& operator=(Admission&&) = delete;
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission();
    // The operation reached the database: a probe closes the circuit.
    void succeeded();
    bool probe() const { return probing_; }

   private:
    friend class Circuit;
    Admission(Circuit* c, bool probing) : circuit_(c), probing_(probing) {}
    Circuit* circuit_;
    bool probing_;
  };

  Circuit(const Clock& clock, std::chrono::milliseconds retry_after);

  // Throws StoreError(unavailable) with the reason while open, unless this caller may probe.
  Admission admit();
  // The database is down; returns true when this opened the circuit (it was closed), so that
  // the caller retires the sessions opened before the outage.
  bool trip(const std::string& why);
  bool open() const;

 private:
  const Clock& clock_;
  const std::chrono::milliseconds retry_after_;
  mutable std::mutex mutex_;
  bool open_ = false;
  bool probing_ = false;
  Deadline retry_at_{};
  std::string reason_;
};

}  // namespace comments::store::pg
