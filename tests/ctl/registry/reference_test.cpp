// The registry client's readers of untrusted input: image references, manifests and image
// configs, digests. (Sessions, rules and credentials: the other files here.)
#include "registry/reference.hpp"

#include <catch2/catch.hpp>

#include "registry/digest.hpp"
#include "registry/manifest.hpp"

namespace commentsctl::testing {
namespace {

using namespace registry;

const std::string d1 = "sha256:" + std::string(64, 'a');
const std::string d2 = "sha256:" + std::string(64, 'b');

TEST_CASE("references split into registry, repository, tag and digest", "[registry]") {
  std::string error;
  auto r = parse_reference("127.0.0.1:5000/dev/comments:0.1.0-abc", error);
  REQUIRE(r);
  CHECK(r->registry == "127.0.0.1:5000");
  CHECK(r->repository == "dev/comments");
  CHECK(r->tag == "0.1.0-abc");
  CHECK(r->manifest_ref() == "0.1.0-abc");

  r = parse_reference("registry.example.com/comments/prod:1@" + d1, error);
  REQUIRE(r);
  CHECK(r->digest == d1);
  CHECK(r->manifest_ref() == d1);
  CHECK(r->str() == "registry.example.com/comments/prod:1@" + d1);

  r = parse_reference("comments:1", error);
  REQUIRE(r);
  CHECK(r->registry == "docker.io");
  CHECK(r->repository == "library/comments");

  CHECK_FALSE(parse_reference("host:5000/Upper/case:1", error));
  CHECK(error == "\"host:5000/Upper/case:1\": invalid repository name \"Upper/case\"");
  CHECK_FALSE(parse_reference("host:5000/repo", error));
  CHECK(error == "\"host:5000/repo\": needs a tag or a digest");
  CHECK_FALSE(parse_reference("host:5000/repo@sha256:abc", error));
  CHECK_FALSE(parse_reference("host:5000/repo:-bad", error));

  std::string host, port;
  split_host_port("[::1]:5000", host, port);
  CHECK(host == "::1");
  CHECK(port == "5000");
  split_host_port("registry.example.com", host, port);
  CHECK(port.empty());
}

TEST_CASE("manifests: what a copy needs, and refusals", "[registry]") {
  const std::string image =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      d1 + R"(","size":10},
    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
      d2 + R"(","size":20}]})";
  auto m = parse_manifest(image, "");
  CHECK_FALSE(m.is_index);
  CHECK(m.digest == sha256_digest(image));
  CHECK(m.bytes == image);
  REQUIRE(m.config);
  CHECK(m.config->digest == d1);
  REQUIRE(m.layers.size() == 1);
  CHECK(m.layers[0].size == 20);

  const std::string index =
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      d1 + R"(","size":5,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})";
  m = parse_manifest(index, "application/vnd.oci.image.index.v1+json; charset=utf-8");
  CHECK(m.is_index);
  CHECK(m.media_type == "application/vnd.oci.image.index.v1+json");
  REQUIRE(m.children.size() == 1);
  CHECK(m.children[0].platform == "linux/arm64/v8");

  CHECK_THROWS_WITH(parse_manifest("not json", ""), Catch::StartsWith("the manifest is not JSON"));
  CHECK_THROWS_WITH(parse_manifest("[]", ""), "the manifest is not a JSON object");
  CHECK_THROWS_WITH(
      parse_manifest(R"({"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"})",
                     ""),
      Catch::Contains("unsupported manifest media type"));
  CHECK_THROWS_WITH(
      parse_manifest(
          R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:x","size":1},"layers":[]})",
          ""),
      "config.digest \"sha256:x\" is not sha256: and 64 lower-case hex digits");
  CHECK_THROWS_WITH(
      parse_manifest(
          R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":")" + d1 +
              R"(","size":-1},"layers":[]})",
          ""),
      "config.size must be a non-negative integer");
  CHECK_THROWS_WITH(
      parse_manifest(R"({"mediaType":"application/vnd.oci.image.index.v1+json"})", ""),
      "the index has no \"manifests\" list");
}

TEST_CASE("image config labels", "[registry]") {
  auto labels =
      image_labels(R"({"config":{"Labels":{"org.opencontainers.image.revision":"abc","n":1}}})");
  CHECK(labels.at(std::string(revision_label)) == "abc");
  CHECK(labels.count("n") == 0);
  CHECK(image_labels(R"({"config":{}})").empty());
  CHECK_THROWS_AS(image_labels("[1]"), ManifestError);
}

TEST_CASE("digests", "[registry]") {
  CHECK(sha256_digest("") ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("ab", 2);
  h.update("c", 1);
  CHECK(h.finish() == sha256_digest("abc"));
  CHECK(is_sha256_digest(d1));
  CHECK_FALSE(is_sha256_digest("sha256:" + std::string(64, 'A')));
  CHECK_FALSE(is_sha256_digest("sha512:" + std::string(128, 'a')));
}

}  // namespace
}  // namespace commentsctl::testing
