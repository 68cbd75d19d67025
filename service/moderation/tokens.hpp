// The moderators' bearer tokens: read from a file of `name:token` lines (a mounted Secret) and
// checked in constant time, so that the name, not the token, is what the audit log records.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace comments::moderation {

class Tokens {
 public:
  // Reads the file: one `name:token` per line; blank lines and lines starting with # are skipped.
  // A name is 1-64 letters, digits and . _ @ -; a token 16-4096 characters without spaces or
  // colons, each used once. Throws std::invalid_argument saying `path:line: what is wrong` (or
  // why the file cannot be read), never echoing a token.
  static Tokens load(const std::string& path);

  // The name of the token an `Authorization: Bearer <token>` value carries; nullopt for anything
  // else. Compares against every token, in time independent of where they differ.
  std::optional<std::string> authenticate(std::string_view authorization) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::array<unsigned char, 32> digest;  // SHA-256 of the token: equal length, whatever is sent
  };
  std::vector<Entry> entries_;
};

}  // namespace comments::moderation
