// Results as text and numbers, and the real clock.
#include "service/store/postgres/session.hpp"

#include <charconv>

#include "service/store/errors.hpp"

namespace comments::store::pg {
namespace {

class SteadyClock final : public Clock {
 public:
  Deadline now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const Clock& steady_clock() {
  static const SteadyClock clock;
  return clock;
}

std::int64_t Result::integer(int row, int col) const {
  const std::string& s = text(row, col);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) {
    throw StoreError(errc::internal, "PostgreSQL returned a non-integer where an integer was due");
  }
  return v;
}

}  // namespace comments::store::pg
