// The history file: lines appended, read back, and bad lines reported one by one.
#include "release/history.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "support.hpp"

namespace commentsctl::testing {
namespace {

const std::string digest_a = "sha256:" + std::string(64, 'a');
const std::string digest_b = "sha256:" + std::string(64, 'b');

}  // namespace

TEST_CASE("history lines: appended, read back, bad lines reported", "[release]") {
  TempDir dir;
  const auto path = dir.path() / "history/prod.jsonl";
  release::append_history(
      path, {"2025-01-01T00:00:00Z", "prod", "promote", "r/prod", "1", digest_a, "dev", "abc", ""});
  std::ofstream(path, std::ios::app) << "not json\n{\"action\":1,\"digest\":\"x\"}\n";
  release::append_history(path, {"2025-01-02T00:00:00Z", "prod", "rollback", "r/prod", "0",
                                 digest_b, "dev", "", digest_a});
  std::vector<std::string> problems;
  const auto entries = release::read_history(path, problems);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].digest == digest_a);
  CHECK(entries[1].previous == digest_a);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == path.string() + ":2: not a JSON object (syntax error)");
  CHECK(problems[1] == path.string() + ":3: \"action\" must be a string");
}

TEST_CASE("history lines: only a pin by tag alone may lack a digest", "[release]") {
  TempDir dir;
  const auto path = dir.path() / "history/dev.jsonl";
  release::append_history(
      path, {"2025-01-01T00:00:00Z", "dev", "pin", "r/dev", "1", "", "ci", "abc", ""});
  std::ofstream(path, std::ios::app) << R"({"action":"promote","tag":"2"})" << '\n';
  std::vector<std::string> problems;
  const auto entries = release::read_history(path, problems);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].action == "pin");
  CHECK(entries[0].digest.empty());
  CHECK(problems ==
        std::vector<std::string>{path.string() + ":2: \"action\" and \"digest\" are required"});
}

}  // namespace commentsctl::testing
