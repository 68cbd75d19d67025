// The OCI Distribution client. A Registry is what a run shares about one registry: its name and
// options, the scheme once chosen, the credentials once looked up, the authentication scheme it
// asked for, the token cache and the counters, each behind a lock held only to read or write it.
// A Session does the I/O: manifests, blobs, mounts and streamed copies through its own transport
// (its own connections), applying the rules of rules.hpp and auth.hpp. One session per thread:
// a session waiting out a 429 never holds up another.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "http/transport.hpp"
#include "registry/auth.hpp"
#include "registry/credentials.hpp"
#include "registry/error.hpp"
#include "registry/manifest.hpp"
#include "registry/rules.hpp"

namespace commentsctl::registry {

struct Options {
  bool insecure = false;  // skip TLS verification and allow plain HTTP to any host
  http::Timeouts timeouts;
  rules::RetryPolicy retry;
  std::size_t chunk_size = 256 * 1024;  // bytes held in memory per blob copy
  std::ostream* log = nullptr;          // retries, when set
  // The run's TLS context, shared by every registry and session (made from `tls_options` when
  // not given).
  std::shared_ptr<http::TlsContext> tls;
  http::TlsOptions tls_options;
  // Where credentials come from; default: find_credentials over the process's environment.
  std::function<CredentialSearch(const std::string& registry)> credentials;
  // The transport of each new session; default: a NetworkTransport over `tls`.
  std::function<std::unique_ptr<http::Transport>()> transport;
  // How a retry waits; default: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct Stats {
  std::uint64_t uploaded_bytes = 0;    // blob bytes pushed to this registry
  std::uint64_t downloaded_bytes = 0;  // blob bytes pulled from this registry
  int blobs_uploaded = 0;
  int blobs_mounted = 0;
  int manifests_pushed = 0;
  int retries = 0;
};

class Session;

class Registry {
 public:
  // `name` is "host[:port]" as in an image reference.
  Registry(std::string name, Options options);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry() = default;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const Options& options() const { return options_; }
  [[nodiscard]] Stats stats() const;
  // A new session with its own transport.
  Session session();

 private:
  friend class Session;
  [[nodiscard]] std::optional<http::Endpoint> endpoint() const;
  http::Endpoint choose_endpoint(const http::Endpoint& endpoint);  // the first choice wins
  [[nodiscard]] AuthScheme scheme() const;
  void set_scheme(AuthScheme scheme);
  const CredentialSearch& credentials();  // looked up once; throws RegistryError (Auth)
  void count_retry(const std::string& line);

  std::string name_;
  Options options_;
  TokenCache tokens_;
  mutable std::mutex mutex_;  // guards endpoint_, scheme_ and log lines; never held across I/O
  std::optional<http::Endpoint> endpoint_;
  AuthScheme scheme_;
  std::once_flag credentials_once_;
  CredentialSearch credentials_;
  std::string credentials_error_;
  std::atomic<std::uint64_t> uploaded_bytes_{0};
  std::atomic<std::uint64_t> downloaded_bytes_{0};
  std::atomic<int> blobs_uploaded_{0};
  std::atomic<int> blobs_mounted_{0};
  std::atomic<int> manifests_pushed_{0};
  std::atomic<int> retries_{0};
};

class Session {
 public:
  Session(Registry& registry, std::unique_ptr<http::Transport> transport);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  ~Session();

  [[nodiscard]] Registry& registry() const { return *registry_; }
  [[nodiscard]] const std::string& name() const { return registry_->name(); }
  [[nodiscard]] Stats stats() const { return registry_->stats(); }
  // "https://host:port" once the scheme is chosen (the first call may probe).
  std::string origin();

  // The manifest `ref` (tag or digest) with its sha256 checked: against `ref` when it is a
  // digest, against the Docker-Content-Digest header when the registry sends one.
  Manifest get_manifest(const std::string& repository, const std::string& ref);
  // Digest, media type and size of `ref`, or nullopt when it does not exist.
  std::optional<Descriptor> head_manifest(const std::string& repository, const std::string& ref);
  // Pushes the manifest's exact bytes under `ref` (its digest or a tag).
  void put_manifest(const std::string& repository, const std::string& ref,
                    const Manifest& manifest);

  // The blob's size when `repository` has it.
  std::optional<std::uint64_t> head_blob(const std::string& repository, const std::string& digest);
  // A small blob (an image config) read whole and verified; refuses one over `max_size`.
  std::string get_blob(const std::string& repository, const std::string& digest,
                       std::size_t max_size);
  // Cross-repository mount inside this registry: true when mounted, false when the registry
  // declined (it then has to be uploaded).
  bool mount_blob(const std::string& repository, const std::string& digest,
                  const std::string& from_repository);
  // Streams the blob from `source` (another session, usually of another registry) into
  // `repository`: read in pieces, hashed as it flows, uploaded with one PUT; the upload is
  // abandoned (never completed, and cancelled) when the bytes do not hash to `blob.digest`.
  // Memory stays at chunk_size whatever the blob's size. Retried whole on network errors, 429
  // and 5xx.
  void copy_blob(Session& source, const std::string& source_repository, const Descriptor& blob,
                 const std::string& repository);

 private:
  struct Call {
    http::bhttp::verb method = http::bhttp::verb::get;
    std::string target;
    std::string scope;
    std::map<std::string, std::string> headers;
    std::string body;
    bool follow_redirects = false;
  };
  struct Authorization {
    std::optional<std::string> header;
    Sent sent = Sent::Nothing;
  };

  // The request loop, the only one: authorization, 401 challenges, redirects and retries.
  std::unique_ptr<http::Response> open(const Call& call);
  // open() and the whole body (up to `max_body`).
  http::StringResponse call(const Call& call, std::size_t max_body);
  // A HEAD request: nullopt for 404, the response for 200, else RegistryError saying `what`.
  std::optional<http::StringResponse> head(const std::string& target, const std::string& scope,
                                           std::map<std::string, std::string> headers,
                                           const std::string& what);
  const http::Endpoint& endpoint();
  Authorization authorization(const std::string& scope);
  std::string fetch_token(const AuthScheme& bearer, const std::string& scope);
  void pause(int attempt, std::chrono::milliseconds delay, const std::string& why);
  std::unique_ptr<http::Response> open_blob(const std::string& repository,
                                            const std::string& digest);
  void copy_blob_once(Session& source, const std::string& source_repository, const Descriptor& blob,
                      const std::string& repository);
  [[noreturn]] void fail(http::Response& response, const std::string& what);
  [[noreturn]] void fail(const http::StringResponse& response, const std::string& what);

  Registry* registry_;
  std::unique_ptr<http::Transport> transport_;
  std::optional<http::Endpoint> endpoint_;
};

}  // namespace commentsctl::registry
