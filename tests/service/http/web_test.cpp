// The web files as the real binary serves them (the widget; the moderation page only with the
// moderation API): the bytes built from service/web/files/, their Content-Type, a strong ETag
// that is the SHA-256 of what is served, caching by version, conditional GETs and methods, and
// the moderation page's Content-Security-Policy.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Computed here with OpenSSL, independently of the CMake script that versions the files.
std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

struct File {
  std::string name;
  std::string type;
};

}  // namespace

TEST_CASE("the widget files are served as built, typed, with an ETag that is their hash") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto file = GENERATE(File{"embed.js", "text/javascript; charset=utf-8"},
                       File{"embed.css", "text/css; charset=utf-8"});
  CAPTURE(file.name);
  const std::string built = read_file(std::filesystem::path(COMMENTS_WEB_STAGE) / file.name);
  const std::string version = sha256_hex(built).substr(0, 16);

  auto r = c.get("/" + file.name);
  REQUIRE(r.status == 200);
  CHECK(r.body == built);
  CHECK(r.header("Content-Type") == file.type);
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("ETag") == "\"" + version + "\"");
  CHECK(r.header("Cache-Control") == "public, max-age=300");

  SECTION("the URL with the current version may be cached for a year") {
    auto v = c.get("/" + file.name + "?v=" + version);
    CHECK(v.status == 200);
    CHECK(v.body == built);
    CHECK(v.header("Cache-Control") == "public, max-age=31536000, immutable");
  }
  SECTION("a URL with another version (a page from before a release) is not cached long") {
    auto v = c.get("/" + file.name + "?v=0123456789abcdef");
    CHECK(v.status == 200);
    CHECK(v.body == built);
    CHECK(v.header("Cache-Control") == "public, max-age=300");
  }
  SECTION("revalidation with the current ETag answers 304 without a body") {
    for (const std::string& tag : {"\"" + version + "\"", "W/\"" + version + "\"",
                                   "\"other\", \"" + version + "\"", std::string("*")}) {
      CAPTURE(tag);
      auto v = c.request("GET", "/" + file.name, {}, {{"If-None-Match", tag}});
      CHECK(v.status == 304);
      CHECK(v.body.empty());
      CHECK(v.header("ETag") == "\"" + version + "\"");
    }
  }
  SECTION("revalidation with an old ETag gets the file") {
    auto v = c.request("GET", "/" + file.name, {}, {{"If-None-Match", "\"0123456789abcdef\""}});
    CHECK(v.status == 200);
    CHECK(v.body == built);
  }
  SECTION("HEAD answers the headers of GET") {
    auto v = c.request("HEAD", "/" + file.name);
    CHECK(v.status == 200);
    CHECK(v.body.empty());
    CHECK(v.header("Content-Length") == std::to_string(built.size()));
    CHECK(v.header("ETag") == "\"" + version + "\"");
  }
  SECTION("other methods are refused with the JSON error") {
    auto v = c.request("POST", "/" + file.name, "x", {{"Content-Type", "text/plain"}});
    CHECK(v.status == 405);
    CHECK(v.header("Allow") == "GET, HEAD");
    CHECK(std::string(v.json().at("status").as_string()) == "METHOD-NOT-ALLOWED");
  }
}

TEST_CASE("the widget asks for the stylesheet being served, by its versioned URL") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  auto css = c.get("/embed.css");
  REQUIRE(css.status == 200);
  const std::string version = sha256_hex(css.body).substr(0, 16);
  auto js = c.get("/embed.js");
  REQUIRE(js.status == 200);
  CHECK(js.body.find("'embed.css?v=" + version + "'") != std::string::npos);
  CHECK(js.body.find("@asset-url:") == std::string::npos);
}

TEST_CASE("only the embedded files are served; near misses are 404") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  for (const char* path : {"/embed.jsx", "/embed", "/files/embed.js", "/EMBED.JS", "/embed.js/",
                           "//embed.js", "/web/files/embed.js"}) {
    CAPTURE(path);
    auto r = c.get(path);
    CHECK(r.status == 404);
    CHECK(std::string(r.json().at("status").as_string()) == "NOT-FOUND");
  }
}

TEST_CASE("requests for the widget are counted under one route label") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  REQUIRE(c.get("/embed.js").status == 200);
  REQUIRE(c.get("/embed.css").status == 200);
  auto m = c.get("/metrics");
  CHECK(m.body.find("http_requests_total{code=\"200\",method=\"GET\",route=\"/{asset}\"} 2") !=
        std::string::npos);
}

namespace {

// The service with the moderation API on (an admin token file), so /admin is served.
struct Moderated {
  TempDir dir;
  ServiceProcess service;
  Moderated() : service({"--storage", "memory:", "--admin-token-file", write_tokens(dir)}) {}
  static std::string write_tokens(const TempDir& d) {
    const auto path = (d / "tokens").string();
    std::ofstream(path) << "alice:alice-token-0123456789abcdef\n";
    return path;
  }
};

constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

TEST_CASE("the moderation page is served at /admin as built, with a strict CSP, revalidated") {
  Moderated m;
  REQUIRE(m.service.wait_listening());
  HttpClient c(m.service.port());
  const std::string built = read_file(std::filesystem::path(COMMENTS_WEB_STAGE) / "admin.html");
  const std::string tag = "\"" + sha256_hex(built).substr(0, 16) + "\"";

  auto r = c.get("/admin");
  REQUIRE(r.status == 200);
  CHECK(r.body == built);
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("ETag") == tag);
  CHECK(r.header("Content-Security-Policy") == kPagePolicy);
  CHECK(r.header("Referrer-Policy") == "no-referrer");
  // The page names the versions of its files: every load asks whether it changed.
  CHECK(r.header("Cache-Control") == "no-cache");

  auto again = c.request("GET", "/admin", {}, {{"If-None-Match", tag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("Content-Security-Policy") == kPagePolicy);

  // No inline script or style: every script has a src, no style element or attribute.
  CHECK(built.find("<script>") == std::string::npos);
  CHECK(built.find("<style") == std::string::npos);
  CHECK(built.find("style=") == std::string::npos);

  SECTION("it loads the script and stylesheet being served, by their versioned URLs") {
    for (const File& file : {File{"admin.js", "text/javascript; charset=utf-8"},
                             File{"admin.css", "text/css; charset=utf-8"}}) {
      CAPTURE(file.name);
      auto f = c.get("/" + file.name);
      REQUIRE(f.status == 200);
      CHECK(f.body == read_file(std::filesystem::path(COMMENTS_WEB_STAGE) / file.name));
      CHECK(f.header("Content-Type") == file.type);
      const std::string version = sha256_hex(f.body).substr(0, 16);
      CHECK(f.header("ETag") == "\"" + version + "\"");
      CHECK(f.header("Content-Security-Policy").empty());
      CHECK(built.find("\"" + file.name + "?v=" + version + "\"") != std::string::npos);
      auto immutable = c.get("/" + file.name + "?v=" + version);
      CHECK(immutable.header("Cache-Control") == "public, max-age=31536000, immutable");
    }
    CHECK(built.find("@asset-url:") == std::string::npos);
  }
  SECTION("near misses are 404, and it takes only GET and HEAD") {
    for (const char* path : {"/admin.html", "/admin/", "/ADMIN", "/admin.htm", "/api/admin"}) {
      CAPTURE(path);
      CHECK(c.get(path).status == 404);
    }
    auto post = c.request("POST", "/admin", "x", {{"Content-Type", "text/plain"}});
    CHECK(post.status == 405);
    CHECK(post.header("Allow") == "GET, HEAD");
  }
}

TEST_CASE("without an admin token file the moderation page is 404, like the moderation API") {
  ServiceProcess s({"--storage", "memory:"});
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  for (const char* path : {"/admin", "/admin.js", "/admin.css", "/api/admin/comments"}) {
    CAPTURE(path);
    auto r = c.get(path);
    CHECK(r.status == 404);
    CHECK(std::string(r.json().at("status").as_string()) == "NOT-FOUND");
  }
  // Negative control: the same service serves the widget.
  CHECK(c.get("/embed.js").status == 200);
}
