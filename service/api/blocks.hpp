// How a poster is named in a block: an email trimmed and lower-cased, a client address in its
// canonical text (IPv4-mapped IPv6 as IPv4), so that a block matches however the poster writes it.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace comments::api {

std::string normalize_email(std::string_view email);
std::string canonical_address(const boost::asio::ip::address& address);
// nullopt when text is not an IP address.
std::optional<std::string> canonical_address(std::string_view text);

}  // namespace comments::api
