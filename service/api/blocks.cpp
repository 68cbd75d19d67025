// Normal forms of blocked emails and addresses.
#include "service/api/blocks.hpp"

#include <algorithm>

namespace comments::api {

std::string normalize_email(std::string_view email) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!email.empty() && space(email.front())) {
    email.remove_prefix(1);
  }
  while (!email.empty() && space(email.back())) {
    email.remove_suffix(1);
  }
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string canonical_address(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

std::optional<std::string> canonical_address(std::string_view text) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(text, ec);
  if (ec) {
    return std::nullopt;
  }
  return canonical_address(address);
}

}  // namespace comments::api
