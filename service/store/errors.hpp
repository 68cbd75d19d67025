// Storage failures as error codes (for async completions) and as an exception type (for backends).
#pragma once

#include <boost/system/error_code.hpp>
#include <stdexcept>
#include <string>

namespace comments::store {

enum class errc {
  unavailable = 1,  // the database cannot be reached or used now; retrying later may work
  overloaded,       // too many writes are queued; refused at once instead of waiting
  internal,         // anything else
  blocked,          // not stored: a block names the poster (an answer, not a failure)
};

const boost::system::error_category& category();
boost::system::error_code make_error_code(errc e);

class StoreError : public std::runtime_error {
 public:
  StoreError(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  errc code() const { return code_; }

 private:
  errc code_;
};

}  // namespace comments::store

template <>
struct boost::system::is_error_code_enum<comments::store::errc> : std::true_type {};
