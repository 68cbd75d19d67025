// Input validation. Boost.JSON rejects malformed JSON and invalid UTF-8 before we look at fields.
#include "service/api/validation.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace comments::api {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_email_local_char(char c) {
  static constexpr std::string_view kExtra = ".!#$%&'*+/=?^_`{|}~-";
  return is_alnum(c) || kExtra.find(c) != std::string_view::npos;
}

bool valid_domain_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!is_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

}  // namespace

bool valid_content_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxContentIdLength) {
    return false;
  }
  for (char c : id) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '~' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

bool valid_email(std::string_view email) {
  if (email.size() > kMaxEmailLength) {
    return false;
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 ||
      email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : email.substr(0, at)) {
    if (!is_email_local_char(c)) {
      return false;
    }
  }
  std::string_view domain = email.substr(at + 1);
  if (domain.empty()) {
    return false;
  }
  for (;;) {
    const auto dot = domain.find('.');
    if (!valid_domain_label(domain.substr(0, dot))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    domain.remove_prefix(dot + 1);
  }
}

std::size_t count_links(std::string_view text) {
  auto starts_with_ci = [&](std::size_t at, std::string_view word) {
    if (text.size() - at < word.size()) {
      return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
      char c = text[at + i];
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
      if (c != word[i]) {
        return false;
      }
    }
    return true;
  };
  std::size_t links = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (starts_with_ci(i, "http://") || starts_with_ci(i, "https://")) {
      ++links;
      i = text.find("//", i) + 1;
      if (starts_with_ci(i + 1, "www.")) {
        i += 4;  // the same link
      }
    } else if (starts_with_ci(i, "www.")) {
      ++links;
      i += 3;
    }
  }
  return links;
}

std::variant<store::NewComment, BodyError> parse_new_comment(std::string_view body) {
  std::array<unsigned char, 4096> scratch{};
  boost::json::monotonic_resource mr(scratch.data(), scratch.size());
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, &mr);
  if (ec) {
    return BodyError{"malformed JSON body: " + ec.message()};
  }
  const auto* obj = v.if_object();
  if (obj == nullptr) {
    return BodyError{"the body must be a JSON object with email, comment and content_id"};
  }
  store::NewComment out;

  const auto* email = obj->if_contains("email");
  if (email == nullptr) {
    return BodyError{"missing field: email"};
  }
  if (!email->is_string()) {
    return BodyError{"email must be a string"};
  }
  out.email.assign(email->get_string().data(), email->get_string().size());
  if (!valid_email(out.email)) {
    return BodyError{"email is not a valid e-mail address"};
  }

  const auto* comment = obj->if_contains("comment");
  if (comment == nullptr) {
    return BodyError{"missing field: comment"};
  }
  if (!comment->is_string()) {
    return BodyError{"comment must be a string"};
  }
  out.text.assign(comment->get_string().data(), comment->get_string().size());
  if (blank(out.text)) {
    return BodyError{"comment must not be empty"};
  }
  // PostgreSQL text cannot hold U+0000; refuse it everywhere so every backend stores what it got.
  if (out.text.find('\0') != std::string::npos) {
    return BodyError{"comment must not contain NUL characters"};
  }
  if (out.text.size() > kMaxCommentBytes) {
    return BodyError{"comment is longer than " + std::to_string(kMaxCommentBytes) + " bytes"};
  }

  const auto* content = obj->if_contains("content_id");
  if (content == nullptr) {
    return BodyError{"missing field: content_id"};
  }
  if (content->is_int64()) {
    out.content_id = std::to_string(content->get_int64());
  } else if (content->is_uint64()) {
    out.content_id = std::to_string(content->get_uint64());
  } else if (content->is_string()) {
    out.content_id.assign(content->get_string().data(), content->get_string().size());
    if (!valid_content_id(out.content_id)) {
      return BodyError{"content_id must be 1-128 characters of letters, digits and . _ ~ : -"};
    }
  } else {
    return BodyError{"content_id must be an integer or a string"};
  }
  return out;
}

}  // namespace comments::api
