// Unit tests of input validation: what is accepted and the message for what is not.
#include "service/api/validation.hpp"

#include <catch2/catch.hpp>

using comments::api::BodyError;
using comments::api::parse_new_comment;
using comments::api::valid_content_id;
using comments::api::valid_email;
using comments::store::NewComment;

namespace {

std::string error_of(std::string_view body) {
  auto r = parse_new_comment(body);
  auto* e = std::get_if<BodyError>(&r);
  return e != nullptr ? e->message : std::string("<accepted>");
}

}  // namespace

TEST_CASE("content ids: a safe identifier alphabet, 1 to 128 characters") {
  CHECK(valid_content_id("1"));
  CHECK(valid_content_id("article-42_v2.en:draft~1"));
  CHECK(valid_content_id(std::string(128, 'a')));
  CHECK_FALSE(valid_content_id(""));
  CHECK_FALSE(valid_content_id(std::string(129, 'a')));
  CHECK_FALSE(valid_content_id("a/b"));
  CHECK_FALSE(valid_content_id("a b"));
  CHECK_FALSE(valid_content_id("a\nb"));
  CHECK_FALSE(valid_content_id(std::string("a\0b", 3)));
  CHECK_FALSE(valid_content_id("caf\xc3\xa9"));
  CHECK_FALSE(valid_content_id("a?b"));
}

TEST_CASE("e-mail addresses follow the HTML definition") {
  CHECK(valid_email("alice@example.com"));
  CHECK(valid_email("first.last+tag@sub.example.co.uk"));
  CHECK(valid_email("user@localhost"));
  CHECK_FALSE(valid_email(""));
  CHECK_FALSE(valid_email("alice"));
  CHECK_FALSE(valid_email("@example.com"));
  CHECK_FALSE(valid_email("alice@"));
  CHECK_FALSE(valid_email("a@b@example.com"));
  CHECK_FALSE(valid_email("alice smith@example.com"));
  CHECK_FALSE(valid_email("alice@-example.com"));
  CHECK_FALSE(valid_email("alice@example..com"));
  CHECK_FALSE(valid_email("alice@exa_mple.com"));
  CHECK_FALSE(valid_email(std::string(250, 'a') + "@b.co"));
}

TEST_CASE(
    "a valid body becomes a comment and integer and string content ids name the same content") {
  auto a = parse_new_comment(R"({"email":"a@example.com","comment":"hi","content_id":1})");
  auto b = parse_new_comment(R"({"email":"a@example.com","comment":"hi","content_id":"1"})");
  REQUIRE(std::holds_alternative<NewComment>(a));
  REQUIRE(std::holds_alternative<NewComment>(b));
  CHECK(std::get<NewComment>(a).content_id == "1");
  CHECK(std::get<NewComment>(b).content_id == "1");
  CHECK(std::get<NewComment>(a).email == "a@example.com");
  CHECK(std::get<NewComment>(a).text == "hi");
  auto big = parse_new_comment(
      R"({"email":"a@example.com","comment":"x","content_id":18446744073709551615})");
  REQUIRE(std::holds_alternative<NewComment>(big));
  CHECK(std::get<NewComment>(big).content_id == "18446744073709551615");
  auto neg = parse_new_comment(R"({"email":"a@example.com","comment":"x","content_id":-7})");
  REQUIRE(std::holds_alternative<NewComment>(neg));
  CHECK(std::get<NewComment>(neg).content_id == "-7");
}

TEST_CASE("unknown keys are ignored, as the original did") {
  auto r =
      parse_new_comment(R"({"email":"a@example.com","comment":"hi","content_id":2,"extra":[1]})");
  CHECK(std::holds_alternative<NewComment>(r));
}

TEST_CASE("text is kept byte for byte") {
  auto r = parse_new_comment(
      R"({"email":"a@example.com","comment":"caf\u00e9 \ud83d\ude00 \"q\" \\ line\nnext","content_id":1})");
  REQUIRE(std::holds_alternative<NewComment>(r));
  CHECK(std::get<NewComment>(r).text == "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ line\nnext");
}

TEST_CASE("every bad body gets a precise message") {
  CHECK_THAT(error_of("{bad"), Catch::StartsWith("malformed JSON body"));
  CHECK_THAT(error_of(""), Catch::StartsWith("malformed JSON body"));
  CHECK_THAT(error_of("{\"email\":\"a@example.com\",\"comment\":\"\xff\",\"content_id\":1}"),
             Catch::StartsWith("malformed JSON body"));
  CHECK(error_of("[1,2]") == "the body must be a JSON object with email, comment and content_id");
  CHECK(error_of(R"({"comment":"hi","content_id":1})") == "missing field: email");
  CHECK(error_of(R"({"email":"a@example.com","content_id":1})") == "missing field: comment");
  CHECK(error_of(R"({"email":"a@example.com","comment":"hi"})") == "missing field: content_id");
  CHECK(error_of(R"({"email":5,"comment":"hi","content_id":1})") == "email must be a string");
  CHECK(error_of(R"({"email":"nope","comment":"hi","content_id":1})") ==
        "email is not a valid e-mail address");
  CHECK(error_of(R"({"email":"a@example.com","comment":["hi"],"content_id":1})") ==
        "comment must be a string");
  CHECK(error_of(R"({"email":"a@example.com","comment":"","content_id":1})") ==
        "comment must not be empty");
  CHECK(error_of(R"({"email":"a@example.com","comment":" \n\t ","content_id":1})") ==
        "comment must not be empty");
  CHECK(error_of(R"({"email":"a@example.com","comment":"a\u0000b","content_id":1})") ==
        "comment must not contain NUL characters");
  CHECK(error_of(R"({"email":"a@example.com","comment":")" + std::string(16385, 'x') +
                 R"(","content_id":1})") == "comment is longer than 16384 bytes");
  for (const char* bad : {"1.5", "true", "null", "{}", "[]"}) {
    CAPTURE(bad);
    CHECK(error_of(std::string(R"({"email":"a@example.com","comment":"hi","content_id":)") + bad +
                   "}") == "content_id must be an integer or a string");
  }
  CHECK(error_of(R"({"email":"a@example.com","comment":"hi","content_id":"a/b"})") ==
        "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
  CHECK(error_of(R"({"email":"a@example.com","comment":"hi","content_id":""})") ==
        "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
}
