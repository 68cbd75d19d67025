// SQL encoding: a batch travels as one PostgreSQL array literal per column ('{"a","b"}'), given
// to unnest() as a text parameter, so one statement inserts the whole batch in batch order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace comments::store::pg {

class ArrayLiteral {
 public:
  // Quoted and escaped. Text cannot hold NUL, so a NUL becomes U+FFFD rather than failing everyone
  // else's comments of the same transaction (the API refuses NUL before it gets here).
  void add(std::string_view element);
  void add(std::int64_t element);
  // The literal, e.g. {"one","two \"quoted\""} or {1,2}.
  std::string str() const { return text_ + '}'; }
  std::size_t size() const { return count_; }

 private:
  void separate();
  std::string text_ = "{";
  std::size_t count_ = 0;
};

}  // namespace comments::store::pg
