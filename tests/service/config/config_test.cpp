// Unit tests of configuration parsing: units, precedence of flags over environment, exit codes.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "service/config/config.hpp"

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

TEST_CASE("durations and sizes take units") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("5s") == 5000ms);
  CHECK(parse_duration("2m") == 120000ms);
  CHECK_FALSE(parse_duration("5").has_value());
  CHECK_FALSE(parse_duration("-5s").has_value());
  CHECK_FALSE(parse_duration("s").has_value());
  CHECK_FALSE(parse_duration("5h").has_value());
  CHECK(parse_size("65536") == 65536U);
  CHECK(parse_size("64KiB") == 65536U);
  CHECK(parse_size("32MiB") == 32U * 1024 * 1024);
  CHECK_FALSE(parse_size("64kb").has_value());
  CHECK_FALSE(parse_size("lots").has_value());
}

TEST_CASE("defaults match the documentation") {
  auto r = parse_args({});
  REQUIRE(r.command);
  const auto& c = r.command->config;
  CHECK(c.port == 8000);
  CHECK(c.listen == "0.0.0.0");
  CHECK(c.storage == "sqlite:data/comments.db");
  CHECK(c.log_level == LogLevel::info);
  CHECK(c.log_format == LogFormat::json);
  CHECK(c.max_body_bytes == 64 * 1024);
  CHECK(c.shutdown_delay == 5s);
  CHECK(c.drain_timeout == 10s);
  CHECK(c.threads >= 1);
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

TEST_CASE("--help and --version exit 0 without a command") {
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
