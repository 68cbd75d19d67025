// Content digests (`sha256:<64 hex>`): computing them with OpenSSL as bytes flow, and checking
// the form of digests read from registry replies.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace commentsctl::registry {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  // "sha256:<hex>"; the object cannot be updated afterwards.
  std::string finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string sha256_digest(std::string_view bytes);

// "sha256:" and 64 lower-case hex digits: the only algorithm this client can verify.
bool is_sha256_digest(std::string_view digest);

// "sha256:8f1c093ae640" for humans.
std::string short_digest(std::string_view digest);

}  // namespace commentsctl::registry
