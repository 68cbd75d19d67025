// The error category of storage failures.
#include "service/store/errors.hpp"

namespace comments::store {
namespace {

// Boost's error_category has a protected, non-virtual destructor; the one Category is a static
// below, never deleted through a base pointer.
class Category final : public boost::system::error_category {  // NOLINT(*-virtual-class-destructor)
 public:
  const char* name() const noexcept override { return "comments.store"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unavailable:
        return "storage unavailable";
      case errc::overloaded:
        return "storage overloaded";
      case errc::internal:
        return "storage failure";
      case errc::blocked:
        return "a block names the poster";
    }
    return "unknown storage error";
  }
};

}  // namespace

const boost::system::error_category& category() {
  static const Category c;
  return c;
}

boost::system::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace comments::store
