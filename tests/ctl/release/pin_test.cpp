// Release pins: reading, the canonical form commentsctl writes, and the checks against the spec.
#include <catch2/catch.hpp>

#include "commands/project.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

using Lines = std::vector<std::string>;

const std::string digest = "sha256:" + std::string(64, 'a');

std::vector<std::string> pin_problems(const std::string& text) {
  schema::Diagnostics diags;
  const auto pin = release::parse_pin(text, "pin.yaml", diags);
  CHECK(pin.has_value() == diags.empty());
  return lines(diags);
}

spec::Spec test_spec(bool require_digest) {
  schema::Diagnostics diags;
  auto spec = spec::parse_spec(
      "app: {name: comments}\n"
      "defaults:\n"
      "  image: {repository: registry.example.com/c}\n"
      "  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: \"1\", memory: 256Mi}}\n"
      "environments:\n"
      "  prod:\n"
      "    namespace: prod\n" +
          std::string(require_digest ? "    requireDigest: true\n" : ""),
      "spec.yaml", diags);
  REQUIRE(spec);
  return *spec;
}

std::vector<std::string> check(const std::string& pin_text, bool require_digest) {
  schema::Diagnostics diags;
  const auto pin = release::parse_pin(pin_text, "prod.yaml", diags);
  REQUIRE(pin);
  const auto spec = test_spec(require_digest);
  release::check_pin(spec, spec.environments.at(0), *pin, diags);
  return lines(diags);
}

}  // namespace

TEST_CASE("a pin reads back exactly as commentsctl writes it", "[pin]") {
  release::Pin pin;
  pin.environment.value = "prod";
  pin.repository.value = "registry.example.com/c";
  pin.tag.value = "1.0.0";
  pin.digest = release::Located<std::string>{digest, {}};
  pin.source_from = release::Located<std::string>{"dev", {}};
  pin.pinned_at = release::Located<std::string>{"2025-01-02T03:04:05Z", {}};
  const std::string text = release::format_pin(pin);
  CHECK(text ==
        "# Release pin of environment prod, written by commentsctl: do not edit by hand.\n"
        "environment: prod\n"
        "image:\n"
        "  repository: registry.example.com/c\n"
        "  tag: \"1.0.0\"\n"
        "  digest: sha256:" +
            std::string(64, 'a') +
            "\n"
            "source:\n"
            "  from: dev\n"
            "  pinnedAt: \"2025-01-02T03:04:05Z\"\n");

  TempDir dir;
  release::write_pin(dir.path() / "prod.yaml", pin);
  schema::Diagnostics diags;
  const auto back = release::read_pin((dir.path() / "prod.yaml").string(), diags);
  REQUIRE(back);
  CHECK(back->image() == "registry.example.com/c@" + digest);
  CHECK(back->pinned_at->value == "2025-01-02T03:04:05Z");
  CHECK_FALSE(back->source_revision);
  CHECK(release::format_pin(*back) == text);
}

TEST_CASE("the committed pins are in the form commentsctl writes", "[pin]") {
  for (const auto& dir : {source_dir / "k8s/releases", specs_dir / "releases"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      INFO(entry.path());
      schema::Diagnostics diags;
      const auto pin = release::read_pin(entry.path().string(), diags);
      REQUIRE(lines(diags).empty());
      CHECK(release::format_pin(*pin) == read_file(entry.path()));
    }
  }
}

TEST_CASE("a pin without a digest names its image by tag", "[pin]") {
  schema::Diagnostics diags;
  const auto pin = release::parse_pin(
      "environment: dev\nimage: {repository: registry.example.com/c, tag: 1.0.0-abc}\n", "dev.yaml",
      diags);
  REQUIRE(pin);
  CHECK(pin->image() == "registry.example.com/c:1.0.0-abc");
}

TEST_CASE("malformed pins are refused with positions", "[pin]") {
  CHECK(pin_problems("environment: dev\nimage: {repository: r.example.com/c, tag: latest}\n") ==
        Lines{"pin.yaml:2:43: image.tag must not be \"latest\": pin a version so every render "
              "names the same image, not \"latest\""});
  CHECK(pin_problems("environment: dev\n"
                     "image: {repository: r.example.com/c, tag: \"1\", digest: sha256:abc}\n") ==
        Lines{"pin.yaml:2:56: image.digest must be a digest: sha256: and 64 lowercase hexadecimal "
              "digits, not \"sha256:abc\""});
  CHECK(pin_problems("environment: dev\nimage: {repository: r.example.com/c, tga: \"1\"}\n") ==
        Lines{"pin.yaml:1:1: image.tag is required",
              "pin.yaml:2:38: unknown key \"tga\" in image (did you mean \"tag\"?)"});
}

TEST_CASE("a pin must fit its environment", "[pin]") {
  const std::string with_digest =
      "environment: prod\nimage: {repository: registry.example.com/c, tag: \"1\", digest: " +
      digest + "}\n";
  CHECK(check(with_digest, true).empty());
  CHECK(
      check("environment: prod\nimage: {repository: registry.example.com/c, tag: \"1\"}\n", true) ==
      Lines{"prod.yaml:2:50: environment prod requires a digest pin (requireDigest in "
            "spec.yaml), but this pin has only a tag; promote an image to pin its digest"});
  CHECK(check("environment: dev\nimage: {repository: registry.example.com/other, tag: \"1\"}\n",
              false) ==
        Lines{"prod.yaml:1:14: this pin is for environment \"dev\", not \"prod\"",
              "prod.yaml:2:21: image.repository \"registry.example.com/other\" differs from the "
              "environment's image.repository \"registry.example.com/c\" in spec.yaml"});
}

TEST_CASE("an environment without a pin file is reported at the environment", "[pin]") {
  TempDir dir;
  write_file(dir.path() / "comments.yaml", read_file(specs_dir / "sqlite-minimal.yaml"));
  commands::GlobalOptions options;
  options.spec_path = (dir.path() / "comments.yaml").string();
  schema::Diagnostics diags;
  CHECK_FALSE(commands::load_project(options, {}, diags));
  CHECK(lines(diags) == Lines{options.spec_path + ":11:3: environment test has no release pin: " +
                              (dir.path() / "releases/test.yaml").string() +
                              " does not exist (commentsctl writes it when an image is promoted)"});
}

}  // namespace commentsctl::testing
