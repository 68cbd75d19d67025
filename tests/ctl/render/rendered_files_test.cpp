// k8s/rendered/<env>.yaml must be exactly what `commentsctl render <env>` prints now.
#include <catch2/catch.hpp>
#include <sstream>

#include "support.hpp"

namespace commentsctl::testing {
namespace {

// The first differing line, so a failure says where without dumping two whole files.
std::string first_difference(const std::string& committed, const std::string& fresh) {
  std::istringstream a(committed);
  std::istringstream b(fresh);
  std::string la;
  std::string lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) {
      return "";
    }
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ": committed \"" + (more_a ? la : "<end>") +
             "\", rendered now \"" + (more_b ? lb : "<end>") + "\"";
    }
  }
}

}  // namespace

TEST_CASE("the committed rendered manifests are up to date", "[rendered]") {
  for (const std::string env : {"dev", "local", "prod"}) {
    const auto committed = read_file(source_dir / "k8s/rendered" / (env + ".yaml"));
    const auto fresh = render_text(source_dir / "k8s/comments.yaml", env);
    INFO("k8s/rendered/" << env << ".yaml is stale; regenerate it with: commentsctl render " << env
                         << " > k8s/rendered/" << env << ".yaml");
    CHECK(first_difference(committed, fresh) == "");
  }
}

TEST_CASE("rendering twice gives the same bytes", "[rendered]") {
  for (const auto& c : all_cases()) {
    CHECK(render_text(c.spec, c.env) == render_text(c.spec, c.env));
  }
}

}  // namespace commentsctl::testing
