// The release store and the operations that need no registry: pins and history recorded
// together, one message for a missing pin, a pin by tag alone, and the choice of a rollback.
#include "release/store.hpp"

#include <catch2/catch.hpp>

#include "release/record_pin.hpp"
#include "release/rollback.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

const std::string digest_1 = "sha256:" + std::string(64, '1');
const std::string digest_2 = "sha256:" + std::string(64, '2');

struct Project {
  TempDir dir;
  spec::Spec spec;
  release::Store store{dir.path() / "releases"};

  Project() {
    write_file(dir.path() / "comments.yaml", read_file(specs_dir / "sqlite-minimal.yaml"));
    schema::Diagnostics diags;
    auto loaded = spec::load_spec((dir.path() / "comments.yaml").string(), diags);
    REQUIRE(loaded);
    spec = *loaded;
  }

  release::Outcome<release::RecordedPin> pin(const std::string& tag, const std::string& digest) {
    return release::record_pin(store, spec, {"test", "", tag, digest, "rev-" + tag, "ci"});
  }
};

}  // namespace

TEST_CASE("a recorded pin is the pin the store loads, with one history line", "[release]") {
  Project p;
  auto recorded = p.pin("1.0.0", digest_1);
  REQUIRE(std::holds_alternative<release::RecordedPin>(recorded));
  schema::Diagnostics diags;
  const auto pin = p.store.load(p.spec, p.spec.environments.at(0), diags);
  REQUIRE(pin);
  CHECK(pin->image() == "registry.example.com/comments/test@" + digest_1);
  std::vector<std::string> problems;
  const auto history = p.store.history("test", problems);
  CHECK(problems.empty());
  REQUIRE(history.size() == 1);
  CHECK(history[0].action == "pin");
  CHECK(history[0].digest == digest_1);
  CHECK(history[0].revision == "rev-1.0.0");
  CHECK(history[0].time == pin->pinned_at->value);
}

TEST_CASE("a pin by tag alone is recorded and read back as the current release", "[release]") {
  Project p;
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.0", digest_1)));
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.1", "")));
  std::vector<std::string> problems;
  const auto history = p.store.history("test", problems);
  CHECK(problems.empty());
  REQUIRE(history.size() == 2);
  CHECK(history[1].digest.empty());
  CHECK(release::current_release(history, "") == 1);
  CHECK(release::current_release(history, digest_1) == 0);
  CHECK(release::current_release(history, digest_2) == 2);
}

TEST_CASE("rollback passes over a pin by tag alone", "[release]") {
  Project p;
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.0", digest_1)));
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.1", "")));
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.2", digest_2)));
  std::vector<std::string> problems;
  auto planned = release::plan_rollback(p.store, p.spec, {"test", ""}, problems);
  REQUIRE(std::holds_alternative<release::RollbackPlan>(planned));
  const auto& plan = std::get<release::RollbackPlan>(planned);
  CHECK(plan.target.digest == digest_1);
  CHECK(plan.target.tag == "1.0.0");
  CHECK(plan.current_digest == digest_2);
  CHECK_FALSE(plan.up_to_date);
  CHECK(problems.empty());

  SECTION("also when the current pin is the one by tag alone") {
    REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.3", "")));
    auto again = release::plan_rollback(p.store, p.spec, {"test", ""}, problems);
    REQUIRE(std::holds_alternative<release::RollbackPlan>(again));
    CHECK(std::get<release::RollbackPlan>(again).target.digest == digest_2);
  }
}

TEST_CASE("refused values and a missing pin are failures with their messages", "[release]") {
  Project p;
  auto latest = p.pin("latest", "");
  REQUIRE(std::holds_alternative<release::Failure>(latest));
  CHECK(std::get<release::Failure>(latest).message ==
        "tag 'latest' is not an immutable image tag (letters, digits, . _ -; never latest)");
  CHECK_FALSE(p.store.has_pin("test"));

  std::vector<std::string> problems;
  auto planned = release::plan_rollback(p.store, p.spec, {"test", ""}, problems);
  REQUIRE(std::holds_alternative<release::Failure>(planned));
  const auto& failure = std::get<release::Failure>(planned);
  CHECK(failure.kind == release::Failure::Kind::Invalid);
  CHECK(lines(failure.diagnostics) ==
        std::vector<std::string>{p.spec.file + ":11:3: environment test has no release pin: " +
                                 p.store.pin_file("test").string() +
                                 " does not exist (commentsctl writes it when an image is "
                                 "promoted)"});
}

TEST_CASE("a rollback with nothing earlier names the current release and the history",
          "[release]") {
  Project p;
  REQUIRE(std::holds_alternative<release::RecordedPin>(p.pin("1.0.0", digest_1)));
  std::vector<std::string> problems;
  auto planned = release::plan_rollback(p.store, p.spec, {"test", ""}, problems);
  REQUIRE(std::holds_alternative<release::Failure>(planned));
  CHECK(std::get<release::Failure>(planned).message ==
        "no earlier release of test than " + digest_1 + " (" +
            p.store.history_file("test").string() + ")");
}

}  // namespace commentsctl::testing
