// The checks of api_checks.hpp.
#include "tests/service/support/api_checks.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace comments::testing {

void check_error(const HttpResponse& r, unsigned status, const std::string& word,
                 const std::string& message) {
  CAPTURE(r.body);
  CHECK(r.status == status);
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  auto v = r.json();
  CHECK(v.at("status").as_string() == word);
  CHECK(std::string(v.at("message").as_string()) == message);
}

}  // namespace comments::testing
