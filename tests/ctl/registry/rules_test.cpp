// The plain-function rules: scheme, retry and Retry-After, redirects; and the authentication
// rules: challenges, answering them, scopes, token requests and answers, the token cache, the
// run's TLS context.
#include "registry/rules.hpp"

#include <catch2/catch.hpp>

#include "http/tls.hpp"
#include "registry/auth.hpp"
#include "registry/error.hpp"

namespace commentsctl::testing {
namespace {

using namespace registry;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_CASE("plain HTTP only to loopback, or with --insecure", "[registry][rules]") {
  CHECK(rules::plain_http_allowed("127.0.0.1", false));
  CHECK(rules::plain_http_allowed("127.8.9.10", false));
  CHECK(rules::plain_http_allowed("::1", false));
  CHECK(rules::plain_http_allowed("localhost", false));
  CHECK_FALSE(rules::plain_http_allowed("registry.example.com", false));
  CHECK_FALSE(rules::plain_http_allowed("10.0.0.1", false));
  CHECK(rules::plain_http_allowed("registry.example.com", true));

  auto e = rules::registry_endpoints("registry.example.com", false);
  REQUIRE(e.size() == 1);
  CHECK(e[0].origin() == "https://registry.example.com:443");
  e = rules::registry_endpoints("127.0.0.1:5000", false);
  REQUIRE(e.size() == 2);
  CHECK(e[0].origin() == "https://127.0.0.1:5000");
  CHECK(e[1].origin() == "http://127.0.0.1:5000");
  e = rules::registry_endpoints("[::1]:5000", false);
  CHECK(e[1].origin() == "http://[::1]:5000");

  CHECK(rules::falls_back_to_plain({http::NetworkError::Kind::Tls, "wrong version number"}));
  CHECK_FALSE(rules::falls_back_to_plain({http::NetworkError::Kind::TlsVerify, "verify failed"}));
  CHECK_THROWS_WITH(
      rules::require_allowed_scheme({"auth.example.com", "80", false}, false, "the token service"),
      "the token service is plain HTTP (http://auth.example.com:80), allowed only "
      "to loopback or with --insecure");
  CHECK_NOTHROW(rules::require_allowed_scheme({"auth.example.com", "80", false}, true, "x"));
}

TEST_CASE("retry: which failures, how long, how often", "[registry][rules]") {
  CHECK(rules::retryable_status(429));
  CHECK(rules::retryable_status(500));
  CHECK(rules::retryable_status(503));
  CHECK_FALSE(rules::retryable_status(404));
  CHECK_FALSE(rules::retryable_status(401));
  CHECK(rules::retryable({http::NetworkError::Kind::Connect, ""}));
  CHECK(rules::retryable({http::NetworkError::Kind::Timeout, ""}));
  CHECK_FALSE(rules::retryable({http::NetworkError::Kind::TlsVerify, ""}));
  CHECK_FALSE(rules::retryable({http::NetworkError::Kind::TooLarge, ""}));

  const rules::RetryPolicy policy{4, 500ms, 3000ms};
  CHECK(rules::retry_delay(policy, 1) == 500ms);
  CHECK(rules::retry_delay(policy, 2) == 1000ms);
  CHECK(rules::retry_delay(policy, 3) == 2000ms);
  CHECK_FALSE(rules::retry_delay(policy, 4));               // the last attempt
  CHECK(rules::retry_delay(policy, 1, 2500ms) == 2500ms);   // Retry-After wins
  CHECK(rules::retry_delay(policy, 1, 60000ms) == 3000ms);  // and is capped
  CHECK(rules::retry_delay(policy, 1, 0ms) == 0ms);

  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 21 Oct 2015 07:28:00
  CHECK(rules::parse_retry_after("120", now) == 120000ms);
  CHECK(rules::parse_retry_after(" 3 ", now) == 3000ms);
  CHECK(rules::parse_retry_after("Wed, 21 Oct 2015 07:28:09 GMT", now) == 9000ms);
  CHECK(rules::parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == 0ms);
  CHECK_FALSE(rules::parse_retry_after("", now));
  CHECK_FALSE(rules::parse_retry_after("soon", now));
  CHECK_FALSE(rules::parse_retry_after("-5", now));
  CHECK_FALSE(rules::parse_retry_after("Wed, 21 Oct 2015 07:28:09 CET", now));
}

TEST_CASE("redirects: resolved, and credentials only to the registry's own origin",
          "[registry][rules]") {
  const auto home = rules::at_registry({"registry.example.com", "443", true},
                                       "registry.example.com", "/v2/a/blobs/sha256:x");
  auto next = rules::follow_redirect(home, "https://s3.example.com/bucket/x?X-Sig=1", home, false);
  CHECK(next.url() == "https://s3.example.com:443/bucket/x?X-Sig=1");
  CHECK(next.host == "s3.example.com");
  CHECK_FALSE(next.registry);

  next = rules::follow_redirect(home, "/v2/a/blobs/other", home, false);
  CHECK(next.url() == "https://registry.example.com:443/v2/a/blobs/other");
  CHECK(next.registry);
  next = rules::follow_redirect(home, "https://REGISTRY.example.com:443/x", home, false);
  CHECK(next.registry);
  // Another port or scheme is another origin.
  CHECK_FALSE(
      rules::follow_redirect(home, "https://registry.example.com:8443/x", home, false).registry);
  // From storage, a relative location stays on storage.
  const auto storage = rules::follow_redirect(home, "https://cdn.example.com/a/b", home, false);
  next = rules::follow_redirect(storage, "c?d=1", home, false);
  CHECK(next.url() == "https://cdn.example.com:443/a/c?d=1");
  CHECK_FALSE(next.registry);

  CHECK_THROWS_WITH(rules::follow_redirect(home, "http://cdn.example.com/a", home, false),
                    Catch::Contains("is plain HTTP (http://cdn.example.com:80)"));
  CHECK(rules::follow_redirect(home, "http://cdn.example.com/a", home, true).url() ==
        "http://cdn.example.com:80/a");
  CHECK_THROWS_WITH(rules::follow_redirect(home, "ftp://x/y", home, false),
                    "registry.example.com redirects to \"ftp://x/y\", not an http(s) URL");
  CHECK_THROWS_AS(rules::follow_redirect(home, "", home, false), RegistryError);
  CHECK(rules::is_redirect(307));
  CHECK_FALSE(rules::is_redirect(304));
}

TEST_CASE("WWW-Authenticate challenges", "[registry][auth]") {
  auto c = parse_challenge(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push")");
  REQUIRE(c);
  CHECK(c->scheme == "bearer");
  CHECK(c->params.at("realm") == "https://auth.example.com/token");
  CHECK(c->params.at("service") == "registry.example.com");
  CHECK(c->params.at("scope") == "repository:a/b:pull,push");

  c = parse_challenge(R"(Basic realm="a \"quoted\" realm", charset=UTF-8)");
  REQUIRE(c);
  CHECK(c->scheme == "basic");
  CHECK(c->params.at("realm") == R"(a "quoted" realm)");
  CHECK(c->params.at("charset") == "UTF-8");

  // Only the first of several challenges.
  c = parse_challenge(R"(Basic realm="x", Bearer realm="y")");
  REQUIRE(c);
  CHECK(c->params.at("realm") == "x");

  CHECK_FALSE(parse_challenge(""));
  CHECK_FALSE(parse_challenge(R"(Bearer realm="never closed)"));
  CHECK(base64_decode(base64_encode("ab")) == "ab");
  CHECK(base64_decode("YQ==") == "a");
  CHECK_FALSE(base64_decode("abc"));
}

TEST_CASE("answering a challenge", "[registry][auth]") {
  CredentialSearch none;
  none.searched = {"/run/auth.json"};
  CredentialSearch found;
  found.found = Credentials{"u", "p", "", "/run/auth.json"};
  const std::string r = "r.example.com";
  const std::string s = "repository:a:pull";

  CHECK(answer_challenge(R"(Basic realm="x")", registry::Sent::Nothing, found, r, s).kind ==
        AuthScheme::Kind::Basic);
  CHECK_THROWS_WITH(answer_challenge(R"(Basic realm="x")", registry::Sent::Basic, found, r, s),
                    "r.example.com refused the credentials from /run/auth.json for "
                    "repository:a:pull");
  CHECK_THROWS_WITH(answer_challenge(R"(Basic realm="x")", registry::Sent::Nothing, none, r, s),
                    Catch::StartsWith("r.example.com requires credentials (Basic) and none were "
                                      "found; log in with `skopeo login r.example.com`"));
  CredentialSearch token_only;
  token_only.found = Credentials{"", "", "refresh", "docker-credential-x"};
  CHECK_THROWS_WITH(
      answer_challenge(R"(Basic realm="x")", registry::Sent::Nothing, token_only, r, s),
      Catch::Contains("holds only an identity token"));

  const auto bearer = answer_challenge(
      R"(Bearer realm="https://a.example.com/t",service="svc",scope="repository:a:pull")",
      registry::Sent::Nothing, none, r, s);
  CHECK(bearer.kind == AuthScheme::Kind::Bearer);
  CHECK(bearer.realm == "https://a.example.com/t");
  CHECK(bearer.service == "svc");
  // A cached token may have expired: answered again (the caller fetches a fresh one).
  CHECK(answer_challenge(R"(Bearer realm="https://a.example.com/t")", registry::Sent::CachedToken,
                         found, r, s)
            .kind == AuthScheme::Kind::Bearer);
  CHECK_THROWS_WITH(answer_challenge(R"(Bearer realm="https://a.example.com/t",error="denied")",
                                     registry::Sent::FreshToken, found, r, s),
                    "r.example.com refused the token for repository:a:pull obtained with the "
                    "credentials from /run/auth.json (denied)");
  CHECK_THROWS_WITH(answer_challenge(R"(Bearer service="x")", registry::Sent::Nothing, none, r, s),
                    "r.example.com: Bearer challenge without a realm");
  CHECK_THROWS_WITH(answer_challenge("", registry::Sent::Nothing, none, r, s),
                    Catch::StartsWith("r.example.com answered 401 without a readable"));
  CHECK_THROWS_WITH(answer_challenge(R"(Negotiate abc)", registry::Sent::Nothing, found, r, s),
                    "r.example.com asks for unsupported authentication \"negotiate\"");
}

TEST_CASE("scopes: merged per repository, wider ones serving narrower ones", "[registry][auth]") {
  CHECK(pull_scope("a/b") == "repository:a/b:pull");
  CHECK(push_scope("a/b") == "repository:a/b:pull,push");
  CHECK(merge_scopes("repository:b:push", "repository:a:pull repository:b:pull") ==
        "repository:a:pull repository:b:pull,push");
  CHECK(merge_scopes("repository:a:pull", "") == "repository:a:pull");
  CHECK(covers("repository:a:pull,push", "repository:a:pull"));
  CHECK(covers("repository:a:pull repository:b:pull,push", "repository:b:push"));
  CHECK(covers("repository:a:*", "repository:a:delete"));
  CHECK_FALSE(covers("repository:a:pull", "repository:a:pull,push"));
  CHECK_FALSE(covers("repository:a:pull", "repository:b:pull"));
}

TEST_CASE("token requests and answers", "[registry][auth]") {
  AuthScheme bearer{AuthScheme::Kind::Bearer, "https://auth.example.com/token?x=1", "reg",
                    "repository:c:pull"};
  auto t = token_request(bearer, "repository:a:pull", Credentials{"u", "p", "", "f"}, false);
  CHECK(t.endpoint.origin() == "https://auth.example.com:443");
  CHECK(std::string(t.request.target()) ==
        "/token?x=1&service=reg&scope=repository:a:pull&scope=repository:c:pull&account=u");
  CHECK(t.request.method() == http::bhttp::verb::get);
  CHECK(std::string(t.request[http::bhttp::field::authorization]) ==
        "Basic " + base64_encode("u:p"));

  t = token_request(bearer, "repository:a:pull", std::nullopt, false);
  CHECK(std::string(t.request[http::bhttp::field::authorization]).empty());

  t = token_request(bearer, "repository:a:pull", Credentials{"", "", "r&t", "f"}, false);
  CHECK(t.request.method() == http::bhttp::verb::post);
  CHECK(t.request.body() ==
        "grant_type=refresh_token&refresh_token=r%26t&client_id=commentsctl&service=reg"
        "&scope=repository:a:pull&scope=repository:c:pull");

  bearer.realm = "http://auth.example.com/token";
  CHECK_THROWS_WITH(token_request(bearer, "s", std::nullopt, false),
                    Catch::Contains("the token service http://auth.example.com/token is plain "
                                    "HTTP"));
  bearer.realm = "http://127.0.0.1:9/token";
  CHECK_NOTHROW(token_request(bearer, "s", std::nullopt, false));
  bearer.realm = "not a url";
  CHECK_THROWS_WITH(token_request(bearer, "s", std::nullopt, false),
                    "Bearer realm \"not a url\" is not an http(s) URL");

  auto token = parse_token_response(R"({"token":"abc","expires_in":300})", "realm");
  CHECK(token.value == "abc");
  CHECK(token.expires_in == std::chrono::seconds(300));
  token = parse_token_response(R"({"access_token":"xyz"})", "realm");
  CHECK(token.value == "xyz");
  CHECK(token.expires_in == std::chrono::seconds(60));
  CHECK_THROWS_WITH(parse_token_response(R"({"token":""})", "https://a/t"),
                    "token service https://a/t answered without a \"token\" string");
  CHECK_THROWS_AS(parse_token_response("<html>", "r"), RegistryError);
}

TEST_CASE("token cache: per realm and service, by scope, until expiry", "[registry][auth]") {
  TokenCache cache;
  const AuthScheme a{AuthScheme::Kind::Bearer, "https://auth/t", "svc", ""};
  const AuthScheme other{AuthScheme::Kind::Bearer, "https://auth/t", "other", ""};
  const auto t0 = TokenCache::Clock::now();
  cache.store(a, "repository:x:pull,push", Token{"wide", std::chrono::seconds(60)}, t0);
  CHECK(cache.find(a, "repository:x:pull", t0) == "wide");
  CHECK(cache.find(a, "repository:x:pull,push", t0 + 49s) == "wide");
  CHECK_FALSE(cache.find(a, "repository:x:pull", t0 + 51s));  // 10 s before it expires
  CHECK_FALSE(cache.find(a, "repository:y:pull", t0));
  CHECK_FALSE(cache.find(other, "repository:x:pull", t0));
  cache.forget("wide");
  CHECK_FALSE(cache.find(a, "repository:x:pull", t0));
}

TEST_CASE("the run's TLS context loads its certificates once", "[registry][tls]") {
  http::TlsContext tls(http::TlsOptions{true, ""});
  CHECK(tls.loads() == 0);  // not before it is needed
  auto& first = tls.context();
  auto& second = tls.context();
  CHECK(&first == &second);
  CHECK(tls.loads() == 1);

  http::TlsContext broken(http::TlsOptions{true, "/nonexistent/ca.pem"});
  CHECK_THROWS_WITH(broken.context(), Catch::StartsWith("cannot load the CA file "
                                                        "/nonexistent/ca.pem"));
  CHECK(broken.loads() == 0);
}

}  // namespace
}  // namespace commentsctl::testing
