// Validation of untrusted input: content ids, e-mail addresses, comments and the POST body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "service/store/backend.hpp"

namespace comments::api {

inline constexpr std::size_t kMaxContentIdLength = 128;
inline constexpr std::size_t kMaxEmailLength = 254;
inline constexpr std::size_t kMaxCommentBytes = 16 * 1024;

// 1–128 characters of A–Z a–z 0–9 . _ ~ : -
bool valid_content_id(std::string_view id);
// The WHATWG HTML definition of a valid e-mail address (what <input type=email> accepts).
bool valid_email(std::string_view email);

// Links in a comment: each http:// or https:// (any case), and each www. that does not follow
// one of them.
std::size_t count_links(std::string_view text);

struct BodyError {
  std::string message;
};

// Parses {"email","comment","content_id"}; content_id 1 and "1" name the same content.
std::variant<store::NewComment, BodyError> parse_new_comment(std::string_view body);

}  // namespace comments::api
