// X-Forwarded-For is written by the client first and by each proxy after: only entries appended
// by trusted proxies (counted from the right, across every field line) say who the client is.
#include "service/http/client_address.hpp"

#include <cstring>
#include <random>
#include <string>

namespace comments::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<ip::address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > 45) {  // the longest IPv6 text form
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) {
    return std::nullopt;
  }
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  if (a.is_v6() && a.to_v6().scope_id() != 0) {
    return std::nullopt;  // "fe80::1%eth0" names an interface of the proxy, not a client
  }
  return a;
}

}  // namespace

std::uint64_t ClientKeyHash::random_seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

std::size_t ClientKeyHash::operator()(const ClientKey& key) const {
  std::array<char, sizeof seed + sizeof(ClientKey)> bytes{};
  std::memcpy(bytes.data(), &seed, sizeof seed);
  std::memcpy(bytes.data() + sizeof seed, key.data(), key.size());
  return std::hash<std::string_view>{}(std::string_view(bytes.data(), bytes.size()));
}

ClientKey key_of(const ip::address& address) {
  const auto v6 =
      address.is_v4() ? ip::make_address_v6(ip::v4_mapped, address.to_v4()) : address.to_v6();
  return v6.to_bytes();
}

std::optional<ip::address> parse_forwarded_entry(std::string_view entry) {
  entry = trim(entry);
  if (entry.starts_with('[')) {  // [v6] or [v6]:port
    const auto close = entry.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const auto after = entry.substr(close + 1);
    if (!after.empty() && (after.front() != ':' || after.size() < 2 || after.size() > 6 ||
                           after.find_first_not_of("0123456789", 1) != std::string_view::npos)) {
      return std::nullopt;
    }
    auto a = parse_address(entry.substr(1, close - 1));
    return a && a->is_v6() ? a : std::nullopt;
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    const auto port = entry.substr(colon + 1);  // v4:port
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    auto a = parse_address(entry.substr(0, colon));
    return a && a->is_v4() ? a : std::nullopt;
  }
  return parse_address(entry);
}

ip::address client_address(const ip::address& peer, std::span<const std::string_view> forwarded_for,
                           unsigned trusted_hops) {
  if (trusted_hops == 0) {
    return peer;
  }
  unsigned hop = 0;
  for (auto line = forwarded_for.rbegin(); line != forwarded_for.rend(); ++line) {
    std::string_view rest = *line;
    for (;;) {
      const auto comma = rest.rfind(',');
      const auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      // Empty list elements (", ,") do not count, as RFC 9110 §5.6.1 says.
      if (!trim(entry).empty() && ++hop == trusted_hops) {
        return parse_forwarded_entry(entry).value_or(peer);
      }
      if (comma == std::string_view::npos) {
        break;
      }
      rest = rest.substr(0, comma);
    }
  }
  return peer;  // fewer entries than trusted proxies: the header is not what they write
}

}  // namespace comments::http
