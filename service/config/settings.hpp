// The one table of the service's settings: name (the flag), environment variable, default,
// format (the parser), help, and where the deployment spec and the Helm chart set it. The command
// line, the environment, the defaults, --help, docs/configuration.md, docs/settings.json, the
// chart's schema and commentsctl's validator all come from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/config/values.hpp"

namespace comments::config {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { json, text };
// What lists show of a commenter's address: `email` (public), `email_hash` (hash), or neither.
enum class EmailVisibility { shown, hashed, hidden };
enum class Moderation { none, pre };

// The settings after parsing; main wires them to the capabilities.
struct Config {
  std::uint16_t port{};
  std::string listen;
  std::string storage;
  std::string storage_password_file;
  unsigned db_pool_size{};
  std::string sqlite_synchronous;
  LogLevel log_level{};
  LogFormat log_format{};
  unsigned threads{};       // 0 in the table: one per core (resolved by parse)
  unsigned read_threads{};  // 0: 2, or DB_POOL_SIZE with PostgreSQL (every read is a query)
  std::size_t max_connections{};
  std::size_t max_in_flight{};
  std::size_t max_body_bytes{};
  std::size_t max_page_size{};
  std::size_t list_cache_bytes{};
  double rate_limit{};  // API requests per second per client; 0: off
  double rate_burst{};  // bucket size; 0 in the table: twice the rate (resolved by parse)
  unsigned
      trusted_proxy_hops{};  // >0: the client is that many X-Forwarded-For entries from the right
  std::chrono::milliseconds header_timeout{};
  std::chrono::milliseconds body_timeout{};
  std::chrono::milliseconds idle_timeout{};
  std::chrono::milliseconds shutdown_delay{};
  std::chrono::milliseconds drain_timeout{};
  std::string image_digest;  // "" unless the manifests pass the image's digest; /version reports it
  std::optional<std::uint16_t>
      admin_port;                // the admin listener (0: any free port); none when unset
  bool ops_on_public_port{};     // /healthz, /readyz, /metrics, /version on --port too
  std::string admin_token_file;  // name:token lines; "" turns /api/admin/ off (404)
  Moderation moderation{};       // pre: new comments wait for approval
  std::size_t max_connections_per_client{};  // 0: no cap
  std::size_t body_memory_budget{};          // request bodies being received, all connections
  std::vector<std::string> cors_origins;     // other sites whose pages may call the API; "*": any
  EmailVisibility email_visibility{};
  unsigned max_posts_per_email{};    // per minute, per normalised address; 0: off
  unsigned max_links_per_comment{};  // 0: no limit
};

// Where a deployment tool sets a setting instead of taking it from its `config` mapping.
struct Source {
  std::string key{};      // the spec key or chart value; "" when it is set under `config`
  bool verbatim = false;  // the key holds the value in the setting's format (else derived from it)
  bool pin = false;       // the key is the release pin's (k8s/releases/<env>.yaml), not the spec's
};

struct Setting {
  std::string name{};           // the flag without "--": "max-in-flight"
  std::string env{};            // "MAX_IN_FLIGHT"
  std::string default_value{};  // as written on the command line
  Format format{};
  std::string help{};
  Source spec{};                                           // k8s/comments.yaml, read by commentsctl
  Source chart{};                                          // the values of charts/comments
  std::function<void(Config&, std::string_view)> apply{};  // for a value the format matched

  [[nodiscard]] std::string flag() const { return "--" + name; }
};

// In the order of `--help` and the documentation.
const std::vector<Setting>& settings();
const Setting* find_setting(std::string_view env);

// Every setting at its default, as the table writes it (before parse resolves the zeros).
Config defaults();

// Named formats that are not settings but that the chart's schema repeats: "imageTag", "digest".
std::vector<std::pair<std::string, const Format*>> shared_formats();

}  // namespace comments::config
