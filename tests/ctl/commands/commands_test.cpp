// validate and render as a user runs them: what goes to stdout and stderr, and the exit codes.
#include <catch2/catch.hpp>

#include "commands/render.hpp"
#include "commands/validate.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run validate(const std::filesystem::path& spec, std::vector<std::string> envs = {}) {
  commands::GlobalOptions global;
  global.spec_path = spec.string();
  std::ostringstream out;
  std::ostringstream err;
  const int code = commands::run_validate(global, {std::move(envs)}, out, err);
  return {code, out.str(), err.str()};
}

Run render(const std::filesystem::path& spec, const std::string& env) {
  commands::GlobalOptions global;
  global.spec_path = spec.string();
  std::ostringstream out;
  std::ostringstream err;
  const int code = commands::run_render(global, {env, ""}, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("validate accepts the committed spec and names each environment's image", "[commands]") {
  const auto spec = source_dir / "k8s/comments.yaml";
  const auto r = validate(spec);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.starts_with(spec.string() + ": valid: dev (registry.example.com/comments/dev:"));
  CHECK(r.out.find("prod (registry.example.com/comments/prod@sha256:") != std::string::npos);
}

TEST_CASE("validate prints every problem and exits 1", "[commands]") {
  TempDir dir;
  write_file(dir.path() / "comments.yaml", read_file(specs_dir / "sqlite-minimal.yaml") +
                                               "    replicas: 2\n    logLevel: loud\n");
  write_file(dir.path() / "releases/test.yaml", "environment: test\nimage: {repository: x}\n");
  const auto r = validate(dir.path() / "comments.yaml");
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  const std::string spec = (dir.path() / "comments.yaml").string();
  CHECK(r.err == spec +
                     ":13:15: replicas must be 1 with storage.backend sqlite: one SQLite file "
                     "cannot be shared by several pods; use postgresql to run more "
                     "(environment test)\n" +
                     spec +
                     ":14:15: logLevel must be one of debug, info, warn, error, not "
                     "\"loud\"\n");
}

TEST_CASE("validate checks pins once the spec is valid", "[commands]") {
  TempDir dir;
  write_file(dir.path() / "comments.yaml", read_file(specs_dir / "sqlite-minimal.yaml"));
  write_file(dir.path() / "releases/test.yaml", "environment: test\nimage: {repository: x}\n");
  const auto r = validate(dir.path() / "comments.yaml");
  CHECK(r.code == 1);
  const std::string pin = (dir.path() / "releases/test.yaml").string();
  CHECK(r.err == pin + ":1:1: image.tag is required\n");
}

TEST_CASE("an environment that does not exist is a usage error", "[commands]") {
  const auto spec = source_dir / "k8s/comments.yaml";
  const auto r = render(spec, "prd");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "commentsctl render: no environment \"prd\" in " + spec.string() +
                     " (environments: dev, local, prod) (did you mean \"prod\"?)\n");
  CHECK(validate(spec, {"staging"}).code == 2);
  CHECK(validate(spec, {"prod"}).code == 0);
}

TEST_CASE("render refuses an environment whose pin lacks the required digest", "[commands]") {
  TempDir dir;
  write_file(dir.path() / "comments.yaml", read_file(specs_dir / "postgresql-autoscaling.yaml"));
  write_file(dir.path() / "releases/prod.yaml",
             "environment: prod\nimage: {repository: registry.example.com/comments/prod, tag: "
             "\"1.2.3\"}\n");
  const auto r = render(dir.path() / "comments.yaml", "prod");
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("releases/prod.yaml:2:62: environment prod requires a digest pin") !=
        std::string::npos);
}

}  // namespace commentsctl::testing
