// Unit tests of the SQL encoding of a batch.
#include "service/store/postgres/encoding.hpp"

#include <catch2/catch.hpp>

using comments::store::pg::ArrayLiteral;

TEST_CASE("array literals quote every element and escape quotes and backslashes") {
  ArrayLiteral a;
  CHECK(a.str() == "{}");
  a.add("plain");
  a.add("with \"quotes\" and \\ backslash, comma {braces}");
  a.add("");
  CHECK(a.str() == R"({"plain","with \"quotes\" and \\ backslash, comma {braces}",""})");
  CHECK(a.size() == 3);
}

TEST_CASE("NUL, which PostgreSQL text cannot hold, becomes U+FFFD") {
  ArrayLiteral a;
  a.add(std::string_view("a\0b", 3));
  CHECK(a.str() ==
        "{\"a\xEF\xBF\xBD"
        "b\"}");
}

TEST_CASE("numbers are written bare") {
  ArrayLiteral a;
  a.add(std::int64_t{1700000000123});
  a.add(std::int64_t{-1});
  CHECK(a.str() == "{1700000000123,-1}");
}
