// The rows of the settings table. A row's member and parser must have the same type, so a value
// can only be read by the format the table documents.
#include "service/config/settings.hpp"

#include <algorithm>

namespace comments::config {
namespace {

template <typename T>
Setting row(T Config::*member, Parser<T> parser, Setting s) {
  s.format = std::move(parser.format);
  s.apply = [member, convert = std::move(parser.convert)](Config& c, std::string_view value) {
    c.*member = convert(value);
  };
  return s;
}

std::vector<Setting> make_table() {
  using std::chrono::milliseconds;
  return {
      row(&Config::port, integer<std::uint16_t>(0, 65535),
          {.name = "port",
           .env = "PORT",
           .default_value = "8000",
           .help = "TCP port to listen on (0: any free port, logged)",
           .spec = {"app.port"},
           .chart = {"containerPort"}}),
      row(&Config::listen, address(),
          {.name = "listen",
           .env = "LISTEN_ADDRESS",
           .default_value = "0.0.0.0",
           .help = "Address to bind (:: for every IPv6 and IPv4 address)"}),
      row(&Config::storage, storage_url(),
          {.name = "storage",
           .env = "STORAGE_URL",
           .default_value = "sqlite:data/comments.db",
           .help = "memory:, sqlite:<path> or postgresql://user@host:5432/db (the image sets "
                   "sqlite:/var/lib/comments/comments.db)",
           .spec = {"storage.backend"},
           .chart = {"storage.type"}}),
      row(&Config::storage_password_file, text(),
          {.name = "storage-password-file",
           .env = "STORAGE_PASSWORD_FILE",
           .default_value = "",
           .help =
               "File holding the PostgreSQL password (a mounted Secret); PGPASSWORD also works"}),
      row(&Config::db_pool_size, integer(1U, 256U),
          {.name = "db-pool-size",
           .env = "DB_POOL_SIZE",
           .default_value = "4",
           .help = "PostgreSQL connections per process",
           .spec = {"storage.postgresql.poolSize", true},
           .chart = {"storage.postgres.poolSize", true}}),
      row(&Config::sqlite_synchronous,
          choice<std::string>({{"normal", "normal"}, {"full", "full"}}),
          {.name = "sqlite-synchronous",
           .env = "SQLITE_SYNCHRONOUS",
           .default_value = "full",
           .help = "normal survives a process crash (kill -9), full also survives power loss",
           .spec = {"storage.sqlite.synchronous", true},
           .chart = {"storage.sqlite.synchronous", true}}),
      row(&Config::email_visibility,
          choice<EmailVisibility>({{"public", EmailVisibility::shown},
                                   {"hash", EmailVisibility::hashed},
                                   {"hidden", EmailVisibility::hidden}}),
          {.name = "email-visibility",
           .env = "EMAIL_VISIBILITY",
           .default_value = "public",
           .help = "What lists show of a commenter's address: public (email, the original API), "
                   "hash (email_hash: SHA-256 hex of the trimmed, lower-cased address, as "
                   "Gravatar takes it; recommended) or hidden (neither)",
           .spec = {"emailVisibility", true},
           .chart = {"emailVisibility", true}}),
      row(&Config::log_level,
          choice<LogLevel>({{"debug", LogLevel::debug},
                            {"info", LogLevel::info},
                            {"warn", LogLevel::warn},
                            {"error", LogLevel::error}}),
          {.name = "log-level",
           .env = "LOG_LEVEL",
           .default_value = "info",
           .help = "debug, info, warn or error; warn turns access lines off",
           .spec = {"logLevel", true},
           .chart = {"logLevel", true}}),
      row(&Config::log_format,
          choice<LogFormat>({{"json", LogFormat::json}, {"text", LogFormat::text}}),
          {.name = "log-format",
           .env = "LOG_FORMAT",
           .default_value = "json",
           .help = "json or text",
           .spec = {"logFormat", true},
           .chart = {"logFormat", true}}),
      row(&Config::threads, integer(0U, 256U),
          {.name = "threads",
           .env = "THREADS",
           .default_value = "0",
           .help = "HTTP I/O threads (0: one per core)"}),
      row(&Config::read_threads, integer(0U, 256U),
          {.name = "read-threads",
           .env = "READ_THREADS",
           .default_value = "0",
           .help = "Threads reading storage on a cache miss (0: 2, or --db-pool-size with "
                   "PostgreSQL)"}),
      row(&Config::max_connections, integer<std::size_t>(1, 1'000'000),
          {.name = "max-connections",
           .env = "MAX_CONNECTIONS",
           .default_value = "10000",
           .help = "Concurrent connections; beyond it new ones are closed at once"}),
      row(&Config::max_in_flight, integer<std::size_t>(1, 1'000'000),
          {.name = "max-in-flight",
           .env = "MAX_IN_FLIGHT",
           .default_value = "4096",
           .help = "Requests handled at once; beyond it an API request gets a 503 (probes and "
                   "/metrics are never shed)"}),
      row(&Config::max_body_bytes, size(true),
          {.name = "max-body-bytes",
           .env = "MAX_BODY_BYTES",
           .default_value = "64KiB",
           .help = "Largest request body; beyond it a 413"}),
      row(&Config::max_page_size, integer<std::size_t>(1, 100'000),
          {.name = "max-page-size",
           .env = "MAX_PAGE_SIZE",
           .default_value = "1000",
           .help = "Most comments one list response holds"}),
      row(&Config::list_cache_bytes, size(),
          {.name = "list-cache-bytes",
           .env = "LIST_CACHE_BYTES",
           .default_value = "32MiB",
           .help = "Cache of serialised lists (0: off); with PostgreSQL kept coherent across "
                   "replicas by change notifications"}),
      row(&Config::rate_limit, decimal(),
          {.name = "rate-limit",
           .env = "RATE_LIMIT",
           .default_value = "0",
           .help = "API requests per second per client, beyond it a 429 with Retry-After (0: "
                   "off; probes and /metrics are never limited)"}),
      row(&Config::rate_burst, decimal(),
          {.name = "rate-burst",
           .env = "RATE_BURST",
           .default_value = "0",
           .help = "Requests a client may send at once (0: twice the rate)"}),
      row(&Config::max_posts_per_email, integer(0U, 1'000'000U),
          {.name = "max-posts-per-email",
           .env = "MAX_POSTS_PER_EMAIL",
           .default_value = "0",
           .help = "Comments one e-mail address (trimmed, lower-cased) may post per minute, "
                   "beyond it a 429 with Retry-After (0: off)"}),
      row(&Config::max_links_per_comment, integer(0U, 1'000'000U),
          {.name = "max-links-per-comment",
           .env = "MAX_LINKS_PER_COMMENT",
           .default_value = "0",
           .help = "Links (http://, https://, www.) one comment may hold, beyond it a 422 (0: "
                   "no limit)"}),
      row(&Config::trusted_proxy_hops, integer(0U, 16U),
          {.name = "trusted-proxy-hops",
           .env = "TRUSTED_PROXY_HOPS",
           .default_value = "0",
           .help = "With N proxies in front (ingress, load balancer), the client is the N-th "
                   "X-Forwarded-For entry from the right, across all its lines, when it is an IP "
                   "address (else the peer); 0: the peer address"}),
      row(&Config::max_connections_per_client, integer<std::size_t>(0, 1'000'000),
          {.name = "max-connections-per-client",
           .env = "MAX_CONNECTIONS_PER_CLIENT",
           .default_value = "0",
           .help = "Connections one client address may hold; beyond it new ones are closed at "
                   "once (0: no cap; behind a proxy, the proxy is the client)"}),
      row(&Config::body_memory_budget, size(true),
          {.name = "body-memory-budget",
           .env = "BODY_MEMORY_BUDGET",
           .default_value = "16MiB",
           .help = "Request bodies being received at once, all connections together; beyond it "
                   "a new body gets 503 (at least --max-body-bytes)"}),
      row(&Config::admin_port, optional_port(),
          {.name = "admin-port",
           .env = "ADMIN_PORT",
           .default_value = "",
           .help = "Port of the admin listener serving /healthz, /readyz, /metrics and /version "
                   "under its own connection cap (0: any free port; empty: none)",
           .spec = {"app.adminPort"},
           .chart = {"adminPort"}}),
      row(&Config::ops_on_public_port, boolean(),
          {.name = "ops-on-public-port",
           .env = "OPS_ON_PUBLIC_PORT",
           .default_value = "true",
           .help = "Whether --port also serves /healthz, /readyz, /metrics and /version (false "
                   "needs --admin-port)"}),
      row(&Config::cors_origins, origins(),
          {.name = "cors-origins",
           .env = "CORS_ORIGINS",
           .default_value = "",
           .help = "Other sites whose pages may call the API (the comments widget on a blog): "
                   "their origins, comma-separated, or * for any (empty: same-origin pages "
                   "only)"}),
      row(&Config::admin_token_file, text(),
          {.name = "admin-token-file",
           .env = "ADMIN_TOKEN_FILE",
           .default_value = "",
           .help = "File of name:token lines (a mounted Secret) whose bearer tokens open the "
                   "moderation API under /api/admin/ on --port; empty: that API answers 404",
           .spec = {"admin.tokenSecret"},
           .chart = {"admin.tokenSecret"}}),
      row(&Config::moderation,
          choice<Moderation>({{"none", Moderation::none}, {"pre", Moderation::pre}}),
          {.name = "moderation",
           .env = "MODERATION",
           .default_value = "none",
           .help = "none publishes new comments at once; pre keeps them pending, unlisted until "
                   "a moderator approves them"}),
      row(&Config::header_timeout, duration(true),
          {.name = "header-timeout",
           .env = "HEADER_TIMEOUT",
           .default_value = "10s",
           .help = "Time to receive a request's headers"}),
      row(&Config::body_timeout, duration(true),
          {.name = "body-timeout",
           .env = "BODY_TIMEOUT",
           .default_value = "30s",
           .help = "Time to receive a request's body"}),
      row(&Config::idle_timeout, duration(true),
          {.name = "idle-timeout",
           .env = "IDLE_TIMEOUT",
           .default_value = "60s",
           .help = "Keep-alive connection idle time"}),
      row(&Config::shutdown_delay, duration(),
          {.name = "shutdown-delay",
           .env = "SHUTDOWN_DELAY",
           .default_value = "5s",
           .help = "After SIGTERM: readiness fails, serving goes on this long",
           .spec = {"shutdownDelay", true},
           .chart = {"shutdown.delay", true}}),
      row(&Config::drain_timeout, duration(),
          {.name = "drain-timeout",
           .env = "DRAIN_TIMEOUT",
           .default_value = "10s",
           .help = "Then: how long in-flight requests may take to finish",
           .spec = {"drainTimeout", true},
           .chart = {"shutdown.drainTimeout", true}}),
      // commentsctl render and the chart pass the digest an image is pinned by; deploy.sh passes
      // it to the container it runs locally. `commentsctl verify` compares /version with the pin.
      row(&Config::image_digest, optional_digest(),
          {.name = "image-digest",
           .env = "IMAGE_DIGEST",
           .default_value = "",
           .help = "Digest of the image this runs from (sha256:...), reported on /version; "
                   "commentsctl render and the chart pass it when the image is pinned by digest",
           .spec = {.key = "image.digest", .verbatim = true, .pin = true},
           .chart = {"image.digest", true}}),
  };
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = make_table();
  return table;
}

const Setting* find_setting(std::string_view env) {
  const auto& table = settings();
  auto it =
      std::find_if(table.begin(), table.end(), [&](const Setting& s) { return s.env == env; });
  return it == table.end() ? nullptr : &*it;
}

Config defaults() {
  Config c;
  for (const auto& s : settings()) {
    s.apply(c, s.default_value);
  }
  return c;
}

std::vector<std::pair<std::string, const Format*>> shared_formats() {
  return {{"imageTag", &image_tag()}, {"digest", &digest()}};
}

}  // namespace comments::config
