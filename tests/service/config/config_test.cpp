// Unit tests of configuration parsing: units, precedence of flags over environment, exit codes.
#include "service/config/config.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>

using namespace comments::config;
using namespace std::chrono_literals;

namespace {

ParseOutcome parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "comments-service");
  std::vector<const char*> argv;
  for (auto& a : args) {
    argv.push_back(a.c_str());
  }
  return parse(static_cast<int>(argv.size()), argv.data());
}

struct EnvVar {
  std::string name;
  EnvVar(std::string n, const char* value) : name(std::move(n)) { setenv(name.c_str(), value, 1); }
  ~EnvVar() { unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("without flags or variables every setting takes the table's default") {
  auto r = parse_args({});
  REQUIRE(r.command);
  CHECK(r.command->kind == Command::Kind::serve);
  const auto& c = r.command->config;
  CHECK(c.port == 8000);
  CHECK(c.listen == "0.0.0.0");
  CHECK(c.storage == "sqlite:data/comments.db");
  CHECK(c.log_level == LogLevel::info);
  CHECK(c.log_format == LogFormat::json);
  CHECK(c.max_body_bytes == 64 * 1024);
  CHECK(c.list_cache_bytes == 32 * 1024 * 1024);
  CHECK(c.header_timeout == 10s);
  CHECK(c.shutdown_delay == 5s);
  CHECK(c.drain_timeout == 10s);
  // Zeros in the table that parse resolves.
  CHECK(c.threads >= 1);
  CHECK(c.rate_burst == 1);
}

TEST_CASE("every setting is a flag and a variable, and each takes its format") {
  for (const auto& s : settings()) {
    CAPTURE(s.env);
    // A value of the format that differs from the default, and one outside it.
    // (Sizes take 1MiB: BODY_MEMORY_BUDGET must hold at least MAX_BODY_BYTES.)
    const std::string good = !s.format.choices.empty()  ? s.format.choices.back()
                             : s.format.matches("1s")   ? "1s"
                             : s.format.matches("1MiB") ? "1MiB"
                                                        : "1";
    if (!s.format.matches(good)) {
      continue;  // addresses, storage URLs and text have their own cases below
    }
    CHECK(parse_args({s.flag(), good}).command);
    EnvVar v(s.env, good.c_str());
    CHECK(parse_args({}).command);
  }
  for (auto [env, bad] : std::vector<std::pair<std::string, std::string>>{
           {"LISTEN_ADDRESS", "localhost"}, {"STORAGE_URL", "sqlite://"}, {"PORT", "08000"}}) {
    CAPTURE(env, bad);
    EnvVar v(env, bad.c_str());
    CHECK(parse_args({}).exit_code == 2);
  }
  auto listen = parse_args({"--listen", "::", "--storage", "memory:"});
  REQUIRE(listen.command);
  CHECK(listen.command->config.listen == "::");
  CHECK(listen.command->config.storage == "memory:");
}

TEST_CASE("settings that depend on each other are refused together, naming both") {
  CHECK(parse_args({"--body-memory-budget", "32KiB"}).exit_code == 2);
  CHECK(parse_args({"--body-memory-budget", "64KiB"}).command);
  CHECK(parse_args({"--ops-on-public-port", "false"}).exit_code == 2);
  auto admin_only = parse_args({"--ops-on-public-port", "false", "--admin-port", "9090"});
  REQUIRE(admin_only.command);
  CHECK_FALSE(admin_only.command->config.ops_on_public_port);
  CHECK(admin_only.command->config.admin_port == std::optional<std::uint16_t>(9090));
  CHECK(parse_args({"--admin-port", "8000"}).exit_code == 2);
  CHECK_FALSE(parse_args({}).command->config.admin_port.has_value());
  EnvVar empty("ADMIN_PORT", "");
  CHECK_FALSE(parse_args({}).command->config.admin_port.has_value());
}

TEST_CASE("durations take hours too, in flags and variables") {
  EnvVar drain("DRAIN_TIMEOUT", "1h");
  auto r = parse_args({"--shutdown-delay", "2h"});
  REQUIRE(r.command);
  CHECK(r.command->config.shutdown_delay == 2h);
  CHECK(r.command->config.drain_timeout == 1h);
}

TEST_CASE("a variable set but empty is refused rather than silently ignored") {
  EnvVar empty("MAX_IN_FLIGHT", "");
  CHECK(parse_args({}).exit_code == 2);
}

TEST_CASE("the check-config flag and the settings command stop before serving") {
  auto check = parse_args({"--check-config", "--port", "9000"});
  REQUIRE(check.command);
  CHECK(check.command->kind == Command::Kind::check);
  CHECK(parse_args({"--check-config", "--port", "x"}).exit_code == 2);
  auto list = parse_args({"settings"});
  REQUIRE(list.command);
  CHECK(list.command->kind == Command::Kind::settings);
}

TEST_CASE("environment variables configure, flags win over them") {
  EnvVar port("PORT", "9001");
  EnvVar level("LOG_LEVEL", "warn");
  EnvVar delay("SHUTDOWN_DELAY", "250ms");
  auto from_env = parse_args({});
  REQUIRE(from_env.command);
  CHECK(from_env.command->config.port == 9001);
  CHECK(from_env.command->config.log_level == LogLevel::warn);
  CHECK(from_env.command->config.shutdown_delay == 250ms);
  auto flagged = parse_args({"--port", "9002", "--log-level", "debug"});
  REQUIRE(flagged.command);
  CHECK(flagged.command->config.port == 9002);
  CHECK(flagged.command->config.log_level == LogLevel::debug);
}

TEST_CASE("bad values exit with code 2") {
  for (auto args : std::vector<std::vector<std::string>>{{"--port", "http"},
                                                         {"--port", "70000"},
                                                         {"--log-level", "loud"},
                                                         {"--log-format", "xml"},
                                                         {"--shutdown-delay", "5"},
                                                         {"--shutdown-delay", "5d"},
                                                         {"--rate-limit", "1e6"},
                                                         {"--db-pool-size", "257"},
                                                         {"--max-body-bytes", "0"},
                                                         {"--max-body-bytes", "big"},
                                                         {"--idle-timeout", "0s"},
                                                         {"--no-such-flag"}}) {
    CAPTURE(args);
    auto r = parse_args(args);
    CHECK_FALSE(r.command);
    CHECK(r.exit_code == 2);
  }
  EnvVar bad("LOG_FORMAT", "yaml");
  CHECK(parse_args({}).exit_code == 2);
}

TEST_CASE("the help and version flags exit 0 without a command") {
  auto help = parse_args({"--help"});
  CHECK_FALSE(help.command);
  CHECK(help.exit_code == 0);
  auto version = parse_args({"--version"});
  CHECK_FALSE(version.command);
  CHECK(version.exit_code == 0);
}

TEST_CASE("healthcheck defaults to this port's /healthz") {
  EnvVar port("PORT", "8123");
  auto r = parse_args({"healthcheck"});
  REQUIRE(r.command);
  CHECK(r.command->kind == Command::Kind::healthcheck);
  CHECK(r.command->healthcheck.url == "http://127.0.0.1:8123/healthz");
}

TEST_CASE("the allowed origins come from the flag or CORS_ORIGINS; a bad list exits 2") {
  CHECK(parse_args({}).command->config.cors_origins.empty());
  auto flag = parse_args({"--cors-origins", "https://blog.example.com"});
  REQUIRE(flag.command);
  CHECK(flag.command->config.cors_origins == std::vector<std::string>{"https://blog.example.com"});
  {
    EnvVar env("CORS_ORIGINS", "https://a.example.com,https://b.example.com");
    auto r = parse_args({});
    REQUIRE(r.command);
    CHECK(r.command->config.cors_origins.size() == 2);
  }
  auto bad = parse_args({"--cors-origins", "https://blog.example.com/"});
  CHECK_FALSE(bad.command);
  CHECK(bad.exit_code == 2);
  // Empty is a value here (no other origin), not a forgotten one.
  EnvVar none("CORS_ORIGINS", "");
  auto r = parse_args({});
  REQUIRE(r.command);
  CHECK(r.command->config.cors_origins.empty());
}
