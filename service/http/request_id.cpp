// Generated ids are a random per-thread prefix and a counter: unique without a shared lock.
#include "service/http/request_id.hpp"

#include <fmt/format.h>

#include <random>

namespace comments::http {

RequestIds::RequestIds()
    : prefix_(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)) {}

std::string RequestIds::next(std::string_view incoming) {
  if (!incoming.empty() && incoming.size() <= 128) {
    bool safe = true;
    for (char c : incoming) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == ':' || c == '-';
      safe = safe && ok;
    }
    if (safe) {
      return std::string(incoming);
    }
  }
  return fmt::format("{:016x}{:08x}", prefix_, ++counter_);
}

}  // namespace comments::http
