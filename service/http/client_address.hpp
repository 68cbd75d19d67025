// The address a request comes from: the peer, or behind trusted proxies the address the outermost
// trusted proxy saw, taken from X-Forwarded-For. Addresses are parsed and normalised, so a key is
// 16 bytes whatever a client writes, and junk never becomes a key.
#pragma once

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace comments::http {

// IPv4 as IPv4-mapped IPv6: one fixed-size form for both families.
using ClientKey = std::array<unsigned char, 16>;
ClientKey key_of(const boost::asio::ip::address& address);

// A hash of client keys seeded per process, so that clients cannot choose addresses that collide.
struct ClientKeyHash {
  std::uint64_t seed = random_seed();
  std::size_t operator()(const ClientKey& key) const;
  static std::uint64_t random_seed();
};

// One X-Forwarded-For entry: "192.0.2.1", "2001:db8::1", either with a port ("192.0.2.1:5000",
// "[2001:db8::1]:5000"), surrounded by optional whitespace. nullopt for anything else
// ("unknown", an obfuscated name, junk). IPv4-mapped IPv6 comes back as IPv4.
std::optional<boost::asio::ip::address> parse_forwarded_entry(std::string_view entry);

// forwarded_for: the request's X-Forwarded-For field lines, in order (RFC 9110 §5.3: the same as
// one line with the values joined by commas). With trusted_hops > 0: the entry that many from the
// right, the one the outermost trusted proxy appended, when it is an address; else the peer.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::span<const std::string_view> forwarded_for,
                                        unsigned trusted_hops);

}  // namespace comments::http
