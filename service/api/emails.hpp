// What lists show of a commenter's e-mail address (EMAIL_VISIBILITY), and the one normal form of
// an address that its hash and the per-address posting limit both use.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "service/config/settings.hpp"

namespace comments::api {

// SHA-256 of the trimmed, lower-cased address (what Gravatar takes).
std::array<unsigned char, 32> email_digest(std::string_view email);
// email_digest in lower-case hex: the `email_hash` lists show.
std::string email_hash(std::string_view email);

// Appends the address's member of a list item, with its trailing comma: `"email":"…",`,
// `"email_hash":"…",` or nothing.
void append_email(std::string& out, const std::string& email, config::EmailVisibility visibility);

}  // namespace comments::api
