// Unit tests of revalidation: entity tags and how If-None-Match is read.
#include "service/api/revalidation.hpp"

#include <boost/beast/http/field.hpp>
#include <catch2/catch.hpp>

using comments::api::entity_tag;
using comments::api::none_match_hits;
using comments::api::Request;

namespace {

Request with_if_none_match(std::initializer_list<std::string> values) {
  Request req{boost::beast::http::verb::get, "/api/comment/list/1", 11};
  for (const auto& v : values) {
    req.insert(boost::beast::http::field::if_none_match, v);
  }
  return req;
}

}  // namespace

TEST_CASE("an entity tag is a quoted strong tag that follows the body and the Link header") {
  const auto tag = entity_tag(R"([{"id":1}])", "");
  CHECK(tag.size() == 34);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(tag.find_first_not_of("0123456789abcdef", 1) == 33);
  CHECK(entity_tag(R"([{"id":1}])", "") == tag);         // the same list, the same tag
  CHECK(entity_tag(R"([{"id":2}])", "") != tag);         // another body
  CHECK(entity_tag(R"([{"id":1}])", "</next>") != tag);  // another Link
  CHECK(entity_tag(R"([{"id":1}]</next>)", "") != entity_tag(R"([{"id":1}])", "</next>"));
}

TEST_CASE("If-None-Match names the tag: exactly, in a list, weak, or by *") {
  const std::string tag = R"("0123456789abcdef0123456789abcdef")";
  CHECK(none_match_hits(with_if_none_match({tag}), tag));
  CHECK(none_match_hits(with_if_none_match({R"("other", )" + tag}), tag));
  CHECK(none_match_hits(with_if_none_match({R"("other",)" + tag + R"(,"more")"}), tag));
  CHECK(none_match_hits(with_if_none_match({"W/" + tag}), tag));  // weak comparison
  CHECK(none_match_hits(with_if_none_match({"*"}), tag));
  CHECK(none_match_hits(with_if_none_match({R"("other")", tag}), tag));  // two header lines
}

TEST_CASE("If-None-Match that does not name the tag, or is malformed, gets the full answer") {
  const std::string tag = R"("0123456789abcdef0123456789abcdef")";
  CHECK_FALSE(none_match_hits(with_if_none_match({}), tag));
  CHECK_FALSE(none_match_hits(with_if_none_match({R"("other")"}), tag));
  CHECK_FALSE(none_match_hits(with_if_none_match({tag.substr(1, 32)}), tag));  // unquoted
  CHECK_FALSE(none_match_hits(with_if_none_match({tag.substr(0, 33)}), tag));  // unterminated
  CHECK_FALSE(none_match_hits(with_if_none_match({tag + "x"}), tag));          // junk after it
  CHECK_FALSE(none_match_hits(with_if_none_match({R"("0123456789abcdef")"}), tag));  // a prefix
  CHECK_FALSE(none_match_hits(with_if_none_match({"w/" + tag}), tag));  // W/ is case-sensitive
  CHECK_FALSE(none_match_hits(with_if_none_match({"*, " + tag.substr(1)}), tag));
  CHECK_FALSE(none_match_hits(with_if_none_match({tag, "junk"}), tag));  // one bad line spoils all
}
