// Credential lookup: the files and their order as skopeo, podman and docker read them, what each
// file may hold (auths, identity tokens, credHelpers, credsStore, keys written as URLs, the
// legacy format), environment credentials named for one registry, and every refusal. Files are
// real (a temporary directory); the environment and the helper programs are given to the lookup.
// The real helper protocol, skopeo login and podman login are in credentials_login_test.sh.
#include "registry/credentials.hpp"

#include <catch2/catch.hpp>

#include "registry/auth.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

using namespace registry;

struct Env {
  TempDir dir;
  std::map<std::string, std::string> vars;
  std::vector<std::pair<std::string, std::string>> helper_calls;  // program, stdin
  std::map<std::string, std::pair<int, std::string>> helpers;     // program → exit, stdout

  CredentialSources sources(std::string authfile = {}) {
    CredentialSources s;
    s.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    s.run = [this](const std::string& program, const std::string& input) {
      helper_calls.emplace_back(program, input);
      auto it = helpers.find(program);
      return it == helpers.end() ? std::pair<int, std::string>{127, ""} : it->second;
    };
    s.uid = 1234;
    s.authfile = std::move(authfile);
    return s;
  }
  std::string file(const std::string& name, const std::string& text) {
    write_file(dir.path() / name, text);
    return (dir.path() / name).string();
  }
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

std::string auths(const std::string& key, const std::string& user_password) {
  return R"({"auths": {")" + key + R"(": {"auth": ")" + base64_encode(user_password) + R"("}}})";
}

std::vector<std::string> paths(const std::vector<AuthFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    out.push_back(f.path + (f.legacy ? " (legacy)" : ""));
  }
  return out;
}

TEST_CASE("auth files in skopeo/podman order, then Docker's", "[registry][credentials]") {
  Env env;
  env.vars["HOME"] = "/home/u";
  CHECK(paths(auth_files(env.sources())) ==
        std::vector<std::string>{"/run/containers/1234/auth.json",
                                 "/home/u/.config/containers/auth.json",
                                 "/home/u/.docker/config.json", "/home/u/.dockercfg (legacy)"});
  env.vars["XDG_RUNTIME_DIR"] = "/run/user/1234";
  env.vars["XDG_CONFIG_HOME"] = "/cfg";
  env.vars["DOCKER_CONFIG"] = "/dc";
  CHECK(paths(auth_files(env.sources())) ==
        std::vector<std::string>{"/run/user/1234/containers/auth.json", "/cfg/containers/auth.json",
                                 "/dc/config.json", "/home/u/.dockercfg (legacy)"});
  // REGISTRY_AUTH_FILE takes the first place; skopeo 1.9 still reads the others after it.
  env.vars["REGISTRY_AUTH_FILE"] = "/ci/auth.json";
  CHECK(paths(auth_files(env.sources())).front() == "/ci/auth.json");
  CHECK(paths(auth_files(env.sources("/flag/auth.json"))).front() == "/flag/auth.json");
  CHECK(auth_files(env.sources()).size() == 4);
}

TEST_CASE("the first file with credentials for the registry wins", "[registry][credentials]") {
  Env env;
  env.vars["HOME"] = env.path("home");
  env.vars["XDG_RUNTIME_DIR"] = env.path("run");
  env.file("run/containers/auth.json", auths("other.example.com", "x:y"));
  env.file("home/.docker/config.json", auths("127.0.0.1:5000", "docker:pw"));
  auto search = find_credentials("127.0.0.1:5000", env.sources());
  REQUIRE(search.found);
  CHECK(search.found->user == "docker");
  CHECK(search.found->origin == env.path("home/.docker/config.json"));
  CHECK(search.searched.size() == 4);  // the environment, then three files; the fourth not read

  env.file("run/containers/auth.json", auths("127.0.0.1:5000", "podman:s:cret"));
  search = find_credentials("127.0.0.1:5000", env.sources());
  REQUIRE(search.found);
  CHECK(search.found->user == "podman");
  CHECK(search.found->password == "s:cret");

  CHECK_FALSE(find_credentials("unknown.example.com", env.sources()).found);
}

TEST_CASE("keys written as URLs, Docker Hub's names, the legacy file", "[registry][credentials]") {
  Env env;
  const std::string f =
      env.file("config.json", R"({"auths": {"https://registry.example.com/v1/": {"auth": ")" +
                                  base64_encode("url:pw") +
                                  R"("}, "https://index.docker.io/v1/": {"auth": ")" +
                                  base64_encode("hub:pw") + R"("}, "empty.example.com": {}}})");
  const auto s = env.sources();
  CHECK(credentials_from_file({f, false}, "registry.example.com", s)->user == "url");
  CHECK(credentials_from_file({f, false}, "docker.io", s)->user == "hub");
  CHECK_FALSE(credentials_from_file({f, false}, "empty.example.com", s));  // left by credsStore
  const std::string legacy = env.file(".dockercfg", R"({"https://old.example.com": {"auth": ")" +
                                                        base64_encode("old:pw") + R"("}})");
  CHECK(credentials_from_file({legacy, true}, "old.example.com", s)->user == "old");
  CHECK_FALSE(credentials_from_file({env.path("none.json"), false}, "x", s));
}

TEST_CASE("identity tokens", "[registry][credentials]") {
  Env env;
  const std::string f =
      env.file("config.json", R"({"auths": {"acr.example.com": {"auth": ")" +
                                  base64_encode("00000000-0000-0000-0000-000000000000:") +
                                  R"(", "identitytoken": "refresh-token"}}})");
  const auto c = credentials_from_file({f, false}, "acr.example.com", env.sources());
  REQUIRE(c);
  CHECK(c->identity_token == "refresh-token");
  CHECK(c->user == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("credential helpers: credHelpers for one registry, credsStore for the rest",
          "[registry][credentials]") {
  Env env;
  env.helpers["docker-credential-ecr"] = {
      0, R"({"ServerURL":"ecr.example.com","Username":"AWS","Secret":"ecr-pw"})"};
  env.helpers["docker-credential-desktop"] = {
      0, R"({"ServerURL":"x","Username":"<token>","Secret":"identity"})"};
  const std::string f = env.file(
      "config.json", R"({"credHelpers": {"ecr.example.com": "ecr"}, "credsStore": "desktop",
                         "auths": {"plain.example.com": {"auth": ")" +
                         base64_encode("plain:pw") + R"("}}})");
  const auto s = env.sources();
  auto c = credentials_from_file({f, false}, "ecr.example.com", s);
  REQUIRE(c);
  CHECK(c->user == "AWS");
  CHECK(c->password == "ecr-pw");
  CHECK(c->origin == "docker-credential-ecr (credHelpers in " + f + ")");
  REQUIRE(env.helper_calls.size() == 1);
  CHECK(env.helper_calls[0] ==
        std::pair<std::string, std::string>{"docker-credential-ecr", "ecr.example.com"});

  CHECK(credentials_from_file({f, false}, "plain.example.com", s)->user == "plain");
  CHECK(env.helper_calls.size() == 1);  // an auths entry comes before the store

  c = credentials_from_file({f, false}, "other.example.com", s);
  REQUIRE(c);
  CHECK(c->identity_token == "identity");  // "<token>": the secret is an identity token
  CHECK(c->user.empty());

  CHECK(credentials_from_file({f, false}, "docker.io", s)->identity_token == "identity");
  CHECK(env.helper_calls.back().second == "https://index.docker.io/v1/");  // as docker asks

  env.helpers["docker-credential-desktop"] = {1, "credentials not found in native keychain\n"};
  CHECK_FALSE(credentials_from_file({f, false}, "other.example.com", s));
  env.helpers["docker-credential-desktop"] = {1, "keychain locked\n"};
  CHECK_THROWS_WITH(credentials_from_file({f, false}, "other.example.com", s),
                    "docker-credential-desktop get other.example.com (credsStore in " + f +
                        ") failed with exit 1: keychain locked");
  env.helpers["docker-credential-desktop"] = {0, "not json"};
  CHECK_THROWS_WITH(credentials_from_file({f, false}, "other.example.com", s),
                    Catch::EndsWith("did not answer {\"Username\": ..., \"Secret\": ...}"));
  env.helpers.erase("docker-credential-desktop");
  CHECK_THROWS_WITH(credentials_from_file({f, false}, "other.example.com", s),
                    "docker-credential-desktop (credsStore in " + f + ") is not on PATH");
}

TEST_CASE("environment credentials go only to the registry they name", "[registry][credentials]") {
  Env env;
  env.vars["HOME"] = env.path("home");
  env.file("home/.docker/config.json", auths("other.example.com", "file:pw"));
  env.vars["COMMENTSCTL_REGISTRY_USER"] = "ci";
  env.vars["COMMENTSCTL_REGISTRY_PASSWORD"] = "secret";
  CHECK_THROWS_WITH(find_credentials("registry.example.com", env.sources()),
                    "COMMENTSCTL_REGISTRY_USER is set but COMMENTSCTL_REGISTRY does not name the "
                    "registry it is for: set COMMENTSCTL_REGISTRY=registry.example.com "
                    "(host[:port]) to send it there");
  env.vars["COMMENTSCTL_REGISTRY"] = "registry.example.com";
  auto search = find_credentials("registry.example.com", env.sources());
  REQUIRE(search.found);
  CHECK(search.found->user == "ci");
  CHECK(search.found->origin == "COMMENTSCTL_REGISTRY_USER/PASSWORD");
  // Another registry of the same run gets its own credentials, never these.
  search = find_credentials("other.example.com", env.sources());
  REQUIRE(search.found);
  CHECK(search.found->user == "file");
  CHECK_FALSE(find_credentials("third.example.com", env.sources()).found);

  env.vars.erase("COMMENTSCTL_REGISTRY_PASSWORD");
  CHECK_THROWS_WITH(find_credentials("registry.example.com", env.sources()),
                    "COMMENTSCTL_REGISTRY_PASSWORD is not set, but COMMENTSCTL_REGISTRY_USER is");
}

TEST_CASE("malformed files are refused with their path", "[registry][credentials]") {
  Env env;
  const auto s = env.sources();
  const std::string broken = env.file("broken.json", "{auths");
  CHECK_THROWS_WITH(credentials_from_file({broken, false}, "x", s),
                    Catch::StartsWith(broken + ": not valid JSON"));
  const std::string bad = env.file("bad.json", R"({"auths": {"x": {"auth": "!!"}}})");
  CHECK_THROWS_WITH(credentials_from_file({bad, false}, "x", s),
                    bad + ": auths.\"x\".auth is not base64 of \"user:password\"");
  const std::string list = env.file("list.json", "[]");
  CHECK_THROWS_WITH(credentials_from_file({list, false}, "x", s), list + ": not a JSON object");
}

TEST_CASE("the help names the logins that work and every place searched",
          "[registry][credentials]") {
  Env env;
  env.vars["HOME"] = "/h";
  const auto search = find_credentials("127.0.0.1:5000", env.sources());
  CHECK_FALSE(search.found);
  CHECK(credentials_help("127.0.0.1:5000", search) ==
        "log in with `skopeo login 127.0.0.1:5000`, `podman login 127.0.0.1:5000` or `docker "
        "login 127.0.0.1:5000`, or set COMMENTSCTL_REGISTRY=127.0.0.1:5000 with "
        "COMMENTSCTL_REGISTRY_USER and COMMENTSCTL_REGISTRY_PASSWORD (looked in: "
        "COMMENTSCTL_REGISTRY_USER (with COMMENTSCTL_REGISTRY=127.0.0.1:5000), "
        "/run/containers/1234/auth.json, /h/.config/containers/auth.json, "
        "/h/.docker/config.json, /h/.dockercfg)");
}

}  // namespace
}  // namespace commentsctl::testing
