// Request ids: an incoming X-Request-Id when it is safe to echo, else a cheap unique one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace comments::http {

class RequestIds {
 public:
  RequestIds();
  // Returns incoming when it is 1-128 characters of [A-Za-z0-9._:-], else a new id.
  std::string next(std::string_view incoming);

 private:
  std::uint64_t prefix_;
  std::uint64_t counter_ = 0;
};

}  // namespace comments::http
