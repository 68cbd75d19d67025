// Parses flags and environment variables with CLI11; every bad value becomes a message and exit 2.
#include "service/config/config.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <thread>

#include "comments/version.hpp"

namespace comments::config {
namespace {

std::optional<std::uint64_t> parse_number(std::string_view text, std::string_view& rest) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr == text.data()) {
    return std::nullopt;
  }
  rest = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  return value;
}

// A CLI11 validator that accepts what `parse` accepts, so errors name the flag.
CLI::Validator validator(std::string name, bool (*accepts)(const std::string&)) {
  return CLI::Validator(
      [accepts, name](std::string& value) -> std::string {
        return accepts(value) ? std::string() : "'" + value + "' is not a valid " + name;
      },
      name);
}

bool is_duration(const std::string& s) { return parse_duration(s).has_value(); }
bool is_size(const std::string& s) { return parse_size(s).has_value(); }
bool is_digest(const std::string& s) {
  return s.empty() || (s.size() == 71 && s.starts_with("sha256:") &&
                       s.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view unit;
  auto n = parse_number(text, unit);
  if (!n || *n > 24ULL * 3600 * 1000) {
    return std::nullopt;
  }
  if (unit == "ms") {
    return std::chrono::milliseconds(*n);
  }
  if (unit == "s") {
    return std::chrono::milliseconds(*n * 1000);
  }
  if (unit == "m") {
    return std::chrono::milliseconds(*n * 60 * 1000);
  }
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::string_view unit;
  auto n = parse_number(text, unit);
  constexpr std::uint64_t limit = 1ULL << 40;
  if (!n || *n > limit) {
    return std::nullopt;
  }
  if (unit.empty() || unit == "B") {
    return *n;
  }
  if (unit == "KiB") {
    return *n * 1024;
  }
  if (unit == "MiB") {
    return *n * 1024 * 1024;
  }
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

ParseOutcome parse(int argc, const char* const* argv) {
  Command cmd;
  Config& c = cmd.config;
  CLI::App app{"comments-service: the comments HTTP API with durable storage"};
  app.set_version_flag("--version", std::string("comments-service ") + build::version + " (" +
                                        build::revision + ")");
  app.get_formatter()->column_width(36);

  std::string log_level = "info";
  std::string log_format = "json";
  std::string header_timeout = "10s";
  std::string body_timeout = "30s";
  std::string idle_timeout = "60s";
  std::string shutdown_delay = "5s";
  std::string drain_timeout = "10s";
  std::string max_body = "64KiB";
  std::string cache_bytes = "32MiB";

  const auto duration = validator("DURATION", is_duration);
  const auto size = validator("SIZE", is_size);

  app.add_option("--port", c.port, "TCP port to listen on (0: any free port)")
      ->envname("PORT")
      ->capture_default_str();
  app.add_option("--listen", c.listen, "Address to bind")
      ->envname("LISTEN_ADDRESS")
      ->capture_default_str();
  app.add_option("--storage", c.storage, "memory:, sqlite:<path> or postgresql://…")
      ->envname("STORAGE_URL")
      ->capture_default_str();
  app.add_option("--storage-password-file", c.storage_password_file,
                 "File holding the PostgreSQL password")
      ->envname("STORAGE_PASSWORD_FILE");
  app.add_option("--db-pool-size", c.db_pool_size, "PostgreSQL connections")
      ->envname("DB_POOL_SIZE")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--sqlite-synchronous", c.sqlite_synchronous,
                 "normal (survives kill -9) or full (survives power loss)")
      ->envname("SQLITE_SYNCHRONOUS")
      ->check(CLI::IsMember({"normal", "full"}))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->envname("LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log-format", log_format, "json or text")
      ->envname("LOG_FORMAT")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_option("--threads", c.threads, "HTTP I/O threads (0: one per core)")
      ->envname("THREADS")
      ->check(CLI::Range(0, 256));
  app.add_option("--read-threads", c.read_threads,
                 "Threads reading storage on a cache miss (0: 2, or --db-pool-size with PostgreSQL)")
      ->envname("READ_THREADS")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "Concurrent connections")
      ->envname("MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--max-in-flight", c.max_in_flight, "Requests handled at once (beyond: 503)")
      ->envname("MAX_IN_FLIGHT")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--max-body-bytes", max_body, "Largest request body (beyond: 413)")
      ->envname("MAX_BODY_BYTES")
      ->check(size)
      ->capture_default_str();
  app.add_option("--max-page-size", c.max_page_size, "Most comments in one list response")
      ->envname("MAX_PAGE_SIZE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--list-cache-bytes", cache_bytes, "Cache of serialised lists (0: off)")
      ->envname("LIST_CACHE_BYTES")
      ->check(size)
      ->capture_default_str();
  app.add_option("--rate-limit", c.rate_limit,
                 "API requests per second per client, answered 429 beyond (0: off)")
      ->envname("RATE_LIMIT")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  app.add_option("--rate-burst", c.rate_burst, "Requests a client may send at once (0: twice the rate)")
      ->envname("RATE_BURST")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--trusted-proxy-hops", c.trusted_proxy_hops,
                 "Proxies in front whose X-Forwarded-For is trusted for rate limiting (0: use the peer)")
      ->envname("TRUSTED_PROXY_HOPS")
      ->check(CLI::Range(0, 16))
      ->capture_default_str();
  app.add_option("--header-timeout", header_timeout, "Time to receive request headers")
      ->envname("HEADER_TIMEOUT")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--body-timeout", body_timeout, "Time to receive a request body")
      ->envname("BODY_TIMEOUT")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--idle-timeout", idle_timeout, "Keep-alive idle time")
      ->envname("IDLE_TIMEOUT")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--shutdown-delay", shutdown_delay,
                 "After SIGTERM: readiness fails, serving goes on this long")
      ->envname("SHUTDOWN_DELAY")
      ->check(duration)
      ->capture_default_str();
  app.add_option("--drain-timeout", drain_timeout, "Then: time in-flight requests may take")
      ->envname("DRAIN_TIMEOUT")
      ->check(duration)
      ->capture_default_str();

  app.add_option("--image-digest", c.image_digest,
                 "Digest of the image this runs from (sha256:...), reported on /version")
      ->envname("IMAGE_DIGEST")
      ->check(validator("DIGEST", is_digest));

  auto* hc = app.add_subcommand("healthcheck", "Probe a running service; exit 0 when healthy");
  hc->add_option("url", cmd.healthcheck.url, "URL to probe (default http://127.0.0.1:$PORT/healthz)");
  std::string hc_timeout = "2s";
  hc->add_option("--timeout", hc_timeout, "Probe timeout")->check(duration)->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return {std::nullopt, code == 0 ? 0 : 2};
  }

  c.log_level = log_level == "debug"  ? LogLevel::debug
                : log_level == "warn" ? LogLevel::warn
                : log_level == "error" ? LogLevel::error
                                       : LogLevel::info;
  c.log_format = log_format == "text" ? LogFormat::text : LogFormat::json;
  c.header_timeout = *parse_duration(header_timeout);
  c.body_timeout = *parse_duration(body_timeout);
  c.idle_timeout = *parse_duration(idle_timeout);
  c.shutdown_delay = *parse_duration(shutdown_delay);
  c.drain_timeout = *parse_duration(drain_timeout);
  c.max_body_bytes = *parse_size(max_body);
  c.list_cache_bytes = *parse_size(cache_bytes);
  if (c.max_body_bytes == 0) {
    std::cerr << "--max-body-bytes: must be at least 1\n";
    return {std::nullopt, 2};
  }
  if (c.rate_burst <= 0) {
    c.rate_burst = std::max(1.0, 2 * c.rate_limit);
  }
  if (c.threads == 0) {
    c.threads = std::max(1U, std::thread::hardware_concurrency());
  }
  if (c.header_timeout.count() == 0 || c.body_timeout.count() == 0 ||
      c.idle_timeout.count() == 0) {
    std::cerr << "timeouts must be greater than zero\n";
    return {std::nullopt, 2};
  }

  if (hc->parsed()) {
    cmd.kind = Command::Kind::healthcheck;
    cmd.healthcheck.timeout = *parse_duration(hc_timeout);
    if (cmd.healthcheck.url.empty()) {
      cmd.healthcheck.url = "http://127.0.0.1:" + std::to_string(c.port) + "/healthz";
    }
  }
  return {std::move(cmd), 0};
}

}  // namespace comments::config
