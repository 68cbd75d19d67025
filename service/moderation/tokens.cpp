// Loading the token file and checking a presented token against every entry in constant time.
#include "service/moderation/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace comments::moderation {
namespace {

constexpr std::size_t kMinToken = 16;
constexpr std::size_t kMaxToken = 4096;
constexpr std::size_t kMaxName = 64;

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Tokens Tokens::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::invalid_argument("cannot read '" + path + "'");
  }
  Tokens tokens;
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const std::string where = path + ":" + std::to_string(number) + ": ";
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument(where + "expected name:token");
    }
    const auto name = line.substr(0, colon);
    const auto token = line.substr(colon + 1);
    if (name.empty() || name.size() > kMaxName ||
        !std::all_of(name.begin(), name.end(), name_char)) {
      throw std::invalid_argument(where +
                                  "the name must be 1-64 letters, digits and . _ @ - characters");
    }
    if (token.size() < kMinToken || token.size() > kMaxToken ||
        token.find_first_of(" \t:") != std::string_view::npos) {
      throw std::invalid_argument(where + "the token of '" + std::string(name) +
                                  "' must be 16-4096 characters without spaces or colons");
    }
    const auto digest = sha256(token);
    for (const auto& e : tokens.entries_) {
      if (e.name == name) {
        throw std::invalid_argument(where + "the name '" + std::string(name) + "' is used twice");
      }
      if (e.digest == digest) {
        throw std::invalid_argument(where + "the token of '" + std::string(name) +
                                    "' is also the token of '" + e.name + "'");
      }
    }
    tokens.entries_.push_back(Entry{std::string(name), digest});
  }
  if (in.bad()) {
    throw std::invalid_argument("cannot read '" + path + "'");
  }
  if (tokens.entries_.empty()) {
    throw std::invalid_argument(path + ": holds no name:token line");
  }
  return tokens;
}

std::optional<std::string> Tokens::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) {
      return std::nullopt;
    }
  }
  const auto digest = sha256(trim(authorization.substr(kScheme.size())));
  // Every entry is compared, whichever matches: the time says nothing about which one did.
  const Entry* match = nullptr;
  for (const auto& e : entries_) {
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) {
      match = &e;
    }
  }
  if (match == nullptr) {
    return std::nullopt;
  }
  return match->name;
}

}  // namespace comments::moderation
