// Entity tags from SHA-256 (OpenSSL), truncated: 128 bits are plenty to tell lists apart.
#include "service/api/revalidation.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/beast/http/field.hpp>
#include <stdexcept>

namespace comments::api {
namespace {

// One list of entity tags (RFC 9110: "*" / #entity-tag). Returns false on a malformed list.
bool list_names(std::string_view list, std::string_view etag, bool& hit) {
  const auto skip = [&list] {
    while (!list.empty() && (list.front() == ' ' || list.front() == '\t' || list.front() == ',')) {
      list.remove_prefix(1);
    }
  };
  skip();
  if (list == "*") {
    hit = true;
    return true;
  }
  while (!list.empty()) {
    if (list.starts_with("W/")) {
      list.remove_prefix(2);
    }
    if (list.empty() || list.front() != '"') {
      return false;
    }
    const auto close = list.find('"', 1);
    if (close == std::string_view::npos) {
      return false;
    }
    if (list.substr(0, close + 1) == etag) {
      hit = true;
    }
    list.remove_prefix(close + 1);
    if (!list.empty() && list.front() != ',' && list.front() != ' ' && list.front() != '\t') {
      return false;
    }
    skip();
  }
  return true;
}

// Fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up again on every digest.
const EVP_MD* sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string entity_tag(std::string_view body, std::string_view link) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && sha256() != nullptr && EVP_DigestInit_ex(ctx, sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx, body.data(), body.size()) == 1 && EVP_DigestUpdate(ctx, "\n", 1) == 1 &&
      EVP_DigestUpdate(ctx, link.data(), link.size()) == 1 &&
      EVP_DigestFinal_ex(ctx, digest.data(), &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (std::size_t i = 0; i < 16; ++i) {
    tag += kHex[digest[i] >> 4];
    tag += kHex[digest[i] & 0xf];
  }
  tag += '"';
  return tag;
}

bool none_match_hits(const Request& req, std::string_view etag) {
  bool hit = false;
  for (auto [it, end] = req.equal_range(boost::beast::http::field::if_none_match); it != end;
       ++it) {
    if (!list_names(it->value(), etag, hit)) {
      return false;
    }
  }
  return hit;
}

}  // namespace comments::api
