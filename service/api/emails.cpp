// E-mail addresses in lists: shown, hashed with OpenSSL's SHA-256, or left out.
#include "service/api/emails.hpp"

#include <openssl/evp.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <stdexcept>

namespace comments::api {
namespace {

std::string normalised(std::string_view email) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = email.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  email = email.substr(first, email.find_last_not_of(kSpace) - first + 1);
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

std::array<unsigned char, 32> email_digest(std::string_view email) {
  const std::string n = normalised(email);
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(n.data(), n.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

std::string email_hash(std::string_view email) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char byte : email_digest(email)) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

void append_email(std::string& out, const std::string& email, config::EmailVisibility visibility) {
  switch (visibility) {
    case config::EmailVisibility::shown:
      out += "\"email\":";
      out += boost::json::serialize(boost::json::string_view(email.data(), email.size()));
      out += ',';
      return;
    case config::EmailVisibility::hashed:
      out += "\"email_hash\":\"";
      out += email_hash(email);
      out += "\",";
      return;
    case config::EmailVisibility::hidden:
      return;
  }
}

}  // namespace comments::api
