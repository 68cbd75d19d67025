// The OCI Distribution client: manifests, blobs, cross-repository mounts and streamed copies
// against one registry, with authentication (anonymous, Basic, Bearer tokens), retries with
// backoff on 429/5xx and network failures, and every reply treated as untrusted input. Blob
// copies may run on several threads at once; everything else is serialised.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "http/connection.hpp"
#include "registry/auth.hpp"
#include "registry/manifest.hpp"

namespace commentsctl::registry {

class RegistryError : public std::runtime_error {
 public:
  enum class Kind {
    Network,         // unreachable, reset, timeout, TLS failure
    Auth,            // no or refused credentials
    NotFound,        // the manifest or blob does not exist
    Unavailable,     // 429 or 5xx after every attempt
    Refused,         // the registry answered with another error status
    Protocol,        // a reply that does not follow the Distribution API
    DigestMismatch,  // bytes whose sha256 is not what they claim
  };
  RegistryError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct ClientOptions {
  http::TlsOptions tls;
  bool insecure = false;  // skip TLS verification and allow plain HTTP to any host
  http::Timeouts timeouts;
  int attempts = 5;                              // per request, including the first
  std::chrono::milliseconds backoff{500};        // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{30000};  // also caps Retry-After
  std::size_t chunk_size = 256 * 1024;           // bytes held in memory per blob copy
  std::ostream* log = nullptr;                   // retries and fallbacks, when set
  bool use_credentials = true;                   // false: anonymous (tests)
};

struct Stats {
  std::uint64_t uploaded_bytes = 0;    // blob bytes pushed to this registry
  std::uint64_t downloaded_bytes = 0;  // blob bytes pulled from this registry
  int blobs_uploaded = 0;
  int blobs_mounted = 0;
  int manifests_pushed = 0;
  int retries = 0;
};

class Client {
 public:
  // `registry` is "host[:port]" as in an image reference.
  Client(std::string registry, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const std::string& registry() const { return registry_; }
  [[nodiscard]] Stats stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
  }
  // "https://host:port" once the first request chose the scheme.
  [[nodiscard]] std::string origin();

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
  // Streams the blob from `source` into `repository` of this registry: read in chunks, hashed as
  // it flows, uploaded with one PUT; the upload is abandoned (never committed) when the bytes do
  // not hash to `blob.digest`. Memory stays at chunk_size whatever the blob's size.
  void copy_blob(Client& source, const std::string& source_repository, const Descriptor& blob,
                 const std::string& repository);

 private:
  struct Blob;
  class Auth;
  http::StringResponse request(http::bhttp::verb method, const std::string& target,
                               const std::string& scope, std::size_t max_body,
                               const std::map<std::string, std::string>& headers = {},
                               std::string body = {});
  template <class F>
  auto with_retries(const std::string& what, F&& f);
  void sleep_before_retry(int attempt, std::optional<std::chrono::seconds> retry_after,
                          const std::string& why);
  const http::Endpoint& endpoint();
  std::unique_ptr<http::Connection> connect_to(const http::Endpoint& endpoint);
  std::unique_ptr<Blob> open_blob(const std::string& repository, const std::string& digest);
  void copy_blob_once(Client& source, const std::string& source_repository, const Descriptor& blob,
                      const std::string& repository);
  [[noreturn]] void fail(const http::StringResponse& response, const std::string& what);

  std::string registry_;
  ClientOptions options_;
  std::optional<http::Endpoint> endpoint_;
  std::unique_ptr<http::Connection> connection_;
  std::unique_ptr<Auth> auth_;
  Stats stats_;
  // Guards the kept-alive connection, the auth state, the endpoint and the counters.
  mutable std::recursive_mutex mutex_;
};

}  // namespace commentsctl::registry
