// Service configuration: flags and environment variables (the flag wins) parsed into one struct.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace comments::config {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { json, text };

struct Config {
  std::uint16_t port = 8000;
  std::string listen = "0.0.0.0";
  std::string storage = "sqlite:data/comments.db";
  std::string storage_password_file;
  unsigned db_pool_size = 4;
  std::string sqlite_synchronous = "normal";
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::json;
  unsigned threads = 0;  // 0: one per core
  unsigned read_threads = 0;  // 0: 2, or DB_POOL_SIZE with PostgreSQL (every read is a query)
  std::size_t max_connections = 10000;
  std::size_t max_in_flight = 4096;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_page_size = 1000;
  std::size_t list_cache_bytes = 32 * 1024 * 1024;
  double rate_limit = 0;  // API requests per second per client; 0: off
  double rate_burst = 0;  // bucket size; 0: twice the rate
  unsigned trusted_proxy_hops = 0;  // >0: the client is that many X-Forwarded-For entries from the right
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds shutdown_delay{std::chrono::seconds(5)};
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};
  std::string image_digest;  // the image's digest when the manifests pass it in; /version reports it
};

struct HealthcheckCommand {
  std::string url;
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
};

// What the command line asked for: serve (with a configuration) or probe a running service.
struct Command {
  enum class Kind { serve, healthcheck } kind = Kind::serve;
  Config config;
  HealthcheckCommand healthcheck;
};

// Either a command to run, or the exit code to leave with (0 after --help/--version,
// 2 after a bad flag or value, whose message has already been printed to stderr).
struct ParseOutcome {
  std::optional<Command> command;
  int exit_code = 0;
};

ParseOutcome parse(int argc, const char* const* argv);

// "500ms", "5s", "2m" → milliseconds; nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// "65536", "64KiB", "32MiB" → bytes; nullopt when malformed.
std::optional<std::size_t> parse_size(std::string_view text);

std::string_view to_string(LogLevel level);

}  // namespace comments::config
