// The registry session driven through a scripted transport, one rule at a time: Basic auth,
// Bearer tokens with their cache and scopes, identity tokens, 429 with Retry-After and other
// retries, redirects to blob storage, the scheme choice, uploads abandoned on a digest mismatch,
// and sessions that never wait for each other.
#include "registry/session.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "registry/digest.hpp"
#include "registry/scripted_transport.hpp"

namespace commentsctl::testing {
namespace {

using namespace registry;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Kind = RegistryError::Kind;

const std::string reg = "registry.test:5000";
const std::string origin = "https://registry.test:5000";
const std::string oci = "application/vnd.oci.image.manifest.v1+json";
const std::string config_digest = "sha256:" + std::string(64, 'c');
const std::string manifest =
    R"({"schemaVersion":2,"mediaType":")" + oci +
    R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
    config_digest + R"(","size":2},"layers":[]})";
const std::string bearer_challenge =
    R"(Bearer realm="https://auth.test/token",service="registry.test")";

// A run's options with the script as every session's transport, waits recorded instead of slept.
struct Harness {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::shared_ptr<std::vector<milliseconds>> sleeps = std::make_shared<std::vector<milliseconds>>();
  std::optional<Credentials> credentials;

  [[nodiscard]] Options options() const {
    Options o;
    o.transport = [s = script] { return std::make_unique<ScriptedTransport>(s); };
    o.sleep = [s = sleeps](milliseconds d) { s->push_back(d); };
    o.credentials = [c = credentials](const std::string&) {
      CredentialSearch search;
      search.found = c;
      search.searched = {"/test/auth.json"};
      return search;
    };
    return o;
  }
};

Credentials alice() { return Credentials{"alice", "pw", "", "/test/auth.json"}; }

Step manifest_ok(const std::string& url) {
  return Step{"GET", url, 200, {{"Content-Type", oci}}, manifest, {}, {}};
}

Step unauthorized(const std::string& method, const std::string& url, const std::string& challenge) {
  return Step{method, url, 401, {{"WWW-Authenticate", challenge}}, "", {}, {}};
}

Step token(const std::string& url, const std::string& value, int expires_in = 300) {
  return Step{"GET",
              url,
              200,
              {{"Content-Type", "application/json"}},
              R"({"token":")" + value + R"(","expires_in":)" + std::to_string(expires_in) + "}",
              {},
              {}};
}

void no_steps_left(const Script& script) {
  INFO("steps never used");
  CHECK(script.unused() == std::vector<std::string>{});
}

TEST_CASE("Basic: sent once asked for, then with every request, and refusals say why",
          "[registry][session]") {
  Harness h;
  h.credentials = alice();
  const std::string url = origin + "/v2/a/manifests/1";
  h.script->expect(unauthorized("GET", url, R"(Basic realm="registry")"));
  h.script->expect(manifest_ok(url));
  h.script->expect({"HEAD",
                    origin + "/v2/a/blobs/" + config_digest,
                    200,
                    {{"Content-Length", "2"}},
                    "",
                    {},
                    {}});
  Registry registry(reg, h.options());
  auto session = registry.session();
  CHECK(session.get_manifest("a", "1").digest == sha256_digest(manifest));
  CHECK(session.head_blob("a", config_digest) == 2u);
  const auto sent = h.script->sent();
  REQUIRE(sent.size() == 3);
  CHECK_FALSE(sent[0].has("authorization"));  // nothing is sent before the registry asks
  CHECK(sent[1].header("authorization") == "Basic " + base64_encode("alice:pw"));
  CHECK(sent[2].header("authorization") == "Basic " + base64_encode("alice:pw"));
  no_steps_left(*h.script);

  SECTION("refused credentials end the request, naming where they came from") {
    h.script->expect(unauthorized("GET", origin + "/v2/a/manifests/2", R"(Basic realm="r")"));
    REQUIRE_THROWS_WITH(session.get_manifest("a", "2"),
                        "registry.test:5000 refused the credentials from /test/auth.json for "
                        "repository:a:pull");
  }
}

TEST_CASE("Basic: wrong credentials are refused on the first answer to the challenge",
          "[registry][session]") {
  Harness h;
  h.credentials = Credentials{"alice", "wrong", "", "COMMENTSCTL_REGISTRY_USER/PASSWORD"};
  const std::string url = origin + "/v2/a/manifests/1";
  h.script->expect(unauthorized("GET", url, R"(Basic realm="registry")"));
  h.script->expect(unauthorized("GET", url, R"(Basic realm="registry")"));
  Registry registry(reg, h.options());
  CHECK_THROWS_WITH(registry.session().get_manifest("a", "1"),
                    "registry.test:5000 refused the credentials from "
                    "COMMENTSCTL_REGISTRY_USER/PASSWORD for repository:a:pull");
  no_steps_left(*h.script);
}

TEST_CASE("Basic without credentials names the logins that work and where it looked",
          "[registry][session]") {
  Harness h;
  h.script->expect(unauthorized("GET", origin + "/v2/a/manifests/1", R"(Basic realm="r")"));
  Registry registry(reg, h.options());
  auto session = registry.session();
  try {
    session.get_manifest("a", "1");
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.kind() == Kind::Auth);
    CHECK_THAT(e.what(), Catch::StartsWith("registry.test:5000 requires credentials (Basic) and "
                                           "none were found; log in with `skopeo login "
                                           "registry.test:5000`, `podman login "
                                           "registry.test:5000` or `docker login "
                                           "registry.test:5000`"));
    CHECK_THAT(e.what(), Catch::EndsWith("(looked in: /test/auth.json)"));
  }
}

TEST_CASE("Bearer: a token per scope, cached for the run, wider scopes serving narrower ones",
          "[registry][session]") {
  Harness h;
  h.credentials = alice();
  const std::string token_url = "https://auth.test:443/token?service=registry.test";
  const std::string m1 = origin + "/v2/a/manifests/1";
  h.script->expect(unauthorized("GET", m1, bearer_challenge));
  h.script->expect(token(token_url + "&scope=repository:a:pull&account=alice", "pull-a"));
  h.script->expect(manifest_ok(m1));
  h.script->expect({"HEAD", origin + "/v2/a/blobs/" + config_digest, 200, {}, "", {}, {}});
  h.script->expect(token(token_url + "&scope=repository:a:pull,push&account=alice", "push-a"));
  h.script->expect({"PUT", origin + "/v2/a/manifests/2", 201, {}, "", {}, {}});
  h.script->expect(
      token(token_url + "&scope=repository:a:pull&scope=repository:b:pull,push&account=alice",
            "mount-b"));
  h.script->expect({"POST",
                    origin + "/v2/b/blobs/uploads/?mount=" + config_digest + "&from=a",
                    201,
                    {},
                    "",
                    {},
                    {}});

  Registry registry(reg, h.options());
  auto session = registry.session();
  const auto m = session.get_manifest("a", "1");
  session.head_blob("a", config_digest);               // the cached pull token
  session.put_manifest("a", "2", m);                   // push needs a token of its own
  CHECK(session.mount_blob("b", config_digest, "a"));  // two repositories in one token
  no_steps_left(*h.script);

  const auto sent = h.script->sent();
  REQUIRE(sent.size() == 8);
  CHECK(sent[1].header("authorization") == "Basic " + base64_encode("alice:pw"));
  CHECK(sent[2].header("authorization") == "Bearer pull-a");
  CHECK(sent[3].header("authorization") == "Bearer pull-a");
  CHECK(sent[5].header("authorization") == "Bearer push-a");
  CHECK(sent[7].header("authorization") == "Bearer mount-b");
  CHECK(registry.stats().blobs_mounted == 1);

  SECTION("a second session of the run uses the cached tokens") {
    h.script->expect({"HEAD", origin + "/v2/a/manifests/2", 404, {}, "", {}, {}});
    auto other = registry.session();
    CHECK_FALSE(other.head_manifest("a", "2"));
    CHECK(h.script->sent().back().header("authorization") == "Bearer pull-a");
  }
}

TEST_CASE("Bearer: a refused cached token is fetched again once, a fresh one refused is final",
          "[registry][session]") {
  Harness h;
  const std::string token_url =
      "https://auth.test:443/token?service=registry.test&scope=repository:a:pull";
  const std::string m1 = origin + "/v2/a/manifests/1";
  h.script->expect(unauthorized("GET", m1, bearer_challenge));
  h.script->expect(token(token_url, "t1"));
  h.script->expect(manifest_ok(m1));
  // The registry restarted and forgot t1.
  h.script->expect(unauthorized("GET", m1, bearer_challenge + R"(,error="invalid_token")"));
  h.script->expect(token(token_url, "t2"));
  h.script->expect(manifest_ok(m1));
  Registry registry(reg, h.options());
  auto session = registry.session();
  session.get_manifest("a", "1");
  session.get_manifest("a", "1");
  no_steps_left(*h.script);
  // Anonymous (no credentials found): no Authorization and no account on the token request.
  CHECK_FALSE(h.script->sent()[1].has("authorization"));
  CHECK(h.script->sent()[5].header("authorization") == "Bearer t2");

  // b needs a token of its own, fetched before the request; the registry refuses it.
  h.script->expect(
      token("https://auth.test:443/token?service=registry.test&scope=repository:b:pull", "t3"));
  h.script->expect(unauthorized("GET", origin + "/v2/b/manifests/1",
                                bearer_challenge + R"(,error="insufficient_scope")"));
  try {
    session.get_manifest("b", "1");
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.kind() == Kind::Auth);
    CHECK_THAT(e.what(), Catch::StartsWith("registry.test:5000 refused the token for "
                                           "repository:b:pull obtained with no credentials "
                                           "(anonymous) (insufficient_scope); log in with"));
  }
}

TEST_CASE("Bearer with an identity token: an OAuth2 refresh-token POST", "[registry][session]") {
  Harness h;
  h.credentials = Credentials{"", "", "refresh-me", "docker-credential-test"};
  const std::string m1 = origin + "/v2/a/manifests/1";
  h.script->expect(unauthorized("GET", m1, bearer_challenge));
  h.script->expect({"POST",
                    "https://auth.test:443/token",
                    200,
                    {},
                    R"({"access_token":"from-refresh","expires_in":60})",
                    {},
                    {}});
  h.script->expect(manifest_ok(m1));
  Registry registry(reg, h.options());
  auto session = registry.session();
  session.get_manifest("a", "1");
  const auto post = h.script->sent()[1];
  CHECK(post.header("content-type") == "application/x-www-form-urlencoded");
  CHECK(post.body ==
        "grant_type=refresh_token&refresh_token=refresh-me&client_id=commentsctl"
        "&service=registry.test&scope=repository:a:pull");
  CHECK_FALSE(post.has("authorization"));
  CHECK(h.script->sent()[2].header("authorization") == "Bearer from-refresh");
}

TEST_CASE("429 waits what Retry-After says, 5xx the doubling backoff, then gives up",
          "[registry][session]") {
  Harness h;
  const std::string m1 = origin + "/v2/a/manifests/1";
  h.script->expect({"GET", m1, 429, {{"Retry-After", "7"}}, "", {}, {}});
  h.script->expect(
      {"GET", m1, 503, {}, R"({"errors":[{"code":"UNAVAILABLE","message":"busy"}]})", {}, {}});
  h.script->expect({"GET", m1, {}, {}, "", http::NetworkError::Kind::Connect, {}});
  h.script->expect(manifest_ok(m1));
  Registry registry(reg, h.options());
  auto session = registry.session();
  session.get_manifest("a", "1");
  CHECK(*h.sleeps == std::vector<milliseconds>{7000ms, 1000ms, 2000ms});
  CHECK(registry.stats().retries == 3);

  SECTION("a long Retry-After is capped") {
    h.script->expect({"GET", m1, 429, {{"Retry-After", "86400"}}, "", {}, {}});
    h.script->expect(manifest_ok(m1));
    session.get_manifest("a", "1");
    CHECK(h.sleeps->back() == 30000ms);
  }
  SECTION("after the last attempt the registry's answer is the error") {
    for (int i = 0; i < 5; ++i) {
      h.script->expect({"GET", m1, 429, {{"Retry-After", "1"}}, "", {}, {}});
    }
    try {
      session.get_manifest("a", "1");
      FAIL("no error");
    } catch (const RegistryError& e) {
      CHECK(e.kind() == Kind::Unavailable);
      CHECK(std::string(e.what()) ==
            "registry.test:5000: cannot get manifest registry.test:5000/a:1: HTTP 429");
    }
    CHECK(h.sleeps->size() == 3 + 4);
  }
}

TEST_CASE("blob redirects: followed to storage without the registry's credentials",
          "[registry][session]") {
  Harness h;
  h.credentials = alice();
  const std::string bytes = "{}";
  const std::string digest = sha256_digest(bytes);
  const std::string blob = origin + "/v2/a/blobs/" + digest;
  h.script->expect(unauthorized("GET", blob, R"(Basic realm="r")"));
  h.script->expect(
      {"GET", blob, 307, {{"Location", "https://storage.test/bucket/blob?sig=abc"}}, "", {}, {}});
  h.script->expect({"GET", "https://storage.test:443/bucket/blob?sig=abc", 200, {}, bytes, {}, {}});
  Registry registry(reg, h.options());
  auto session = registry.session();
  CHECK(session.get_blob("a", digest, 1024) == bytes);
  auto sent = h.script->sent();
  REQUIRE(sent.size() == 3);
  CHECK(sent[1].has("authorization"));
  CHECK(sent[2].header("host") == "storage.test");
  CHECK_FALSE(sent[2].has("authorization"));  // never to another host

  SECTION("a relative redirect stays on the registry, with its credentials") {
    h.script->expect({"GET", blob, 302, {{"Location", "/v2/a/blobs/moved"}}, "", {}, {}});
    h.script->expect({"GET", origin + "/v2/a/blobs/moved", 200, {}, bytes, {}, {}});
    CHECK(session.get_blob("a", digest, 1024) == bytes);
    CHECK(h.script->sent().back().header("authorization") == "Basic " + base64_encode("alice:pw"));
  }
  SECTION("plain HTTP to another host is refused") {
    h.script->expect({"GET", blob, 307, {{"Location", "http://storage.test/blob"}}, "", {}, {}});
    CHECK_THROWS_WITH(session.get_blob("a", digest, 1024),
                      Catch::Contains("is plain HTTP (http://storage.test:80), allowed only to "
                                      "loopback or with --insecure"));
  }
  SECTION("redirect loops end") {
    for (int i = 0; i < 6; ++i) {
      h.script->expect({"GET", blob, 307, {{"Location", blob}}, "", {}, {}});
    }
    CHECK_THROWS_WITH(session.get_blob("a", digest, 1024),
                      Catch::Contains("more than 5 redirects"));
  }
}

TEST_CASE("scheme: HTTPS first, plain HTTP only to loopback and only after a failed handshake",
          "[registry][session]") {
  Harness h;
  SECTION("a loopback registry without TLS") {
    h.script->expect(
        {"GET", "https://127.0.0.1:5000/v2/", {}, {}, "", http::NetworkError::Kind::Tls, {}});
    h.script->expect(manifest_ok("http://127.0.0.1:5000/v2/a/manifests/1"));
    Registry registry("127.0.0.1:5000", h.options());
    auto session = registry.session();
    session.get_manifest("a", "1");
    CHECK(session.origin() == "http://127.0.0.1:5000");
    CHECK(registry.session().origin() == "http://127.0.0.1:5000");  // chosen once per run
    no_steps_left(*h.script);
  }
  SECTION("a refused certificate is never a reason to downgrade") {
    h.script->expect(
        {"GET", "https://127.0.0.1:5000/v2/", {}, {}, "", http::NetworkError::Kind::TlsVerify, {}});
    Registry registry("127.0.0.1:5000", h.options());
    auto session = registry.session();
    CHECK_THROWS_AS(session.get_manifest("a", "1"), RegistryError);
    CHECK(h.script->sent().size() == 1);
  }
  SECTION("any other registry: HTTPS without a probe") {
    h.script->expect(manifest_ok(origin + "/v2/a/manifests/1"));
    Registry registry(reg, h.options());
    registry.session().get_manifest("a", "1");
    no_steps_left(*h.script);
  }
}

// Source registry `src.test:5000` serving `body` as the blob `digest`, destination `reg`.
struct CopyHarness {
  Harness h;
  std::string src_origin = "https://src.test:5000";
  std::string upload_url = origin + "/v2/b/blobs/uploads/u1?_state=s";

  void expect_upload_start() {
    h.script->expect({"POST",
                      origin + "/v2/b/blobs/uploads/",
                      202,
                      {{"Location", "/v2/b/blobs/uploads/u1?_state=s"}},
                      "",
                      {},
                      {}});
  }
};

TEST_CASE("copy: streamed in pieces, and abandoned (then cancelled) when the digest is wrong",
          "[registry][session]") {
  CopyHarness c;
  const std::string good = "0123456789";
  const std::string digest = sha256_digest(good);
  auto options = c.h.options();
  options.chunk_size = 4;
  Registry source_registry("src.test:5000", options);
  Registry destination(reg, options);
  auto source = source_registry.session();
  auto session = destination.session();
  const Descriptor blob{"application/octet-stream", digest, good.size(), "", false};

  SECTION("the right bytes arrive whole") {
    c.expect_upload_start();
    c.h.script->expect({"GET", c.src_origin + "/v2/a/blobs/" + digest, 200, {}, good, {}, {}});
    c.h.script->expect({"PUT", c.upload_url + "&digest=" + digest, 201, {}, "", {}, {}});
    session.copy_blob(source, "a", blob, "b");
    const auto put = c.h.script->sent().back();
    CHECK(put.upload);
    CHECK(put.finished);
    CHECK(put.body == good);
    CHECK(put.header("content-length") == "10");
    CHECK(destination.stats().uploaded_bytes == 10);
    CHECK(source_registry.stats().downloaded_bytes == 10);
  }
  SECTION("bytes that hash to something else: the last piece is never sent") {
    c.expect_upload_start();
    c.h.script->expect(
        {"GET", c.src_origin + "/v2/a/blobs/" + digest, 200, {}, "0123456780", {}, {}});
    c.h.script->expect({"PUT", c.upload_url + "&digest=" + digest, 201, {}, "", {}, {}});
    c.h.script->expect({"DELETE", c.upload_url, 204, {}, "", {}, {}});
    try {
      session.copy_blob(source, "a", blob, "b");
      FAIL("no error");
    } catch (const RegistryError& e) {
      CHECK(e.kind() == Kind::DigestMismatch);
      CHECK_THAT(e.what(), Catch::EndsWith("; the upload was abandoned"));
    }
    const auto sent = c.h.script->sent();
    const auto put = std::find_if(sent.begin(), sent.end(), [](const Sent& s) { return s.upload; });
    REQUIRE(put != sent.end());
    CHECK(put->abandoned);
    CHECK_FALSE(put->finished);
    CHECK(put->body == "01234567");  // two pieces of four; the third withheld
    CHECK(sent.back().method == "DELETE");
    CHECK(c.h.sleeps->empty());  // a wrong digest is not retried
    CHECK(destination.stats().blobs_uploaded == 0);
  }
  SECTION("a source that breaks off is copied again whole, on a fresh upload") {
    c.expect_upload_start();
    c.h.script->expect({"GET", c.src_origin + "/v2/a/blobs/" + digest, 200, {}, good, {}, 6});
    c.h.script->expect({"PUT", c.upload_url + "&digest=" + digest, 201, {}, "", {}, {}});
    c.expect_upload_start();
    c.h.script->expect({"GET", c.src_origin + "/v2/a/blobs/" + digest, 200, {}, good, {}, {}});
    c.h.script->expect({"PUT", c.upload_url + "&digest=" + digest, 201, {}, "", {}, {}});
    session.copy_blob(source, "a", blob, "b");
    CHECK(c.h.sleeps->size() == 1);
    CHECK(c.h.script->sent().back().finished);
    no_steps_left(*c.h.script);
  }
}

TEST_CASE("a session waiting out a 429 holds up no other session of the run",
          "[registry][session]") {
  Harness h;
  h.credentials = alice();
  // Both sessions authenticate with the run's Basic scheme, learnt by the first.
  h.script->expect(unauthorized("GET", origin + "/v2/a/manifests/slow", R"(Basic realm="r")"));
  h.script->expect(
      {"GET", origin + "/v2/a/manifests/slow", 429, {{"Retry-After", "30"}}, "", {}, {}});
  h.script->expect(manifest_ok(origin + "/v2/a/manifests/slow"));
  h.script->expect(manifest_ok(origin + "/v2/a/manifests/fast"));

  std::mutex mutex;
  std::condition_variable changed;
  bool fast_done = false;
  bool waiting = false;
  bool fast_done_while_waiting = false;
  auto options = h.options();
  options.sleep = [&](milliseconds) {
    std::unique_lock lock(mutex);
    waiting = true;
    changed.notify_all();
    // The other session must finish while this one waits; 10 s is the test's deadline.
    fast_done_while_waiting = changed.wait_for(lock, 10s, [&] { return fast_done; });
  };
  Registry registry(reg, options);
  std::exception_ptr slow_failure;
  std::thread slow([&] {
    try {
      registry.session().get_manifest("a", "slow");
    } catch (...) {
      slow_failure = std::current_exception();
    }
  });
  bool reached = false;
  {
    std::unique_lock lock(mutex);
    reached = changed.wait_for(lock, 10s, [&] { return waiting; });
  }
  if (reached) {
    registry.session().get_manifest("a", "fast");
  }
  {
    const std::lock_guard lock(mutex);
    fast_done = true;
  }
  changed.notify_all();
  slow.join();
  if (slow_failure) {
    std::rethrow_exception(slow_failure);
  }
  REQUIRE(reached);
  CHECK(fast_done_while_waiting);
  CHECK(h.script->sent().back().url == origin + "/v2/a/manifests/slow");
}

}  // namespace
}  // namespace commentsctl::testing
