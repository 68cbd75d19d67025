// Requests to one registry: choosing the scheme, answering auth challenges, retrying what may
// succeed later, and checking every digest the registry hands back.
#include "registry/client.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "registry/digest.hpp"
#include "registry/reference.hpp"

namespace commentsctl::registry {

namespace bhttp = http::bhttp;
using Kind = RegistryError::Kind;

namespace {

constexpr std::size_t small_body = 64 * 1024;
constexpr std::size_t max_manifest = 4 * 1024 * 1024;  // what registries accept (OCI spec)
constexpr const char* user_agent = "commentsctl";

std::string pull_scope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}
std::string push_scope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

bool retryable(const http::NetworkError& e) {
  using K = http::NetworkError::Kind;
  return e.kind() == K::Connect || e.kind() == K::Io || e.kind() == K::Timeout ||
         e.kind() == K::Tls;
}

std::optional<std::chrono::seconds> retry_after(const http::StringResponse& response) {
  const auto value = response[bhttp::field::retry_after];
  if (value.empty() || value.size() > 6 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;  // an HTTP-date: the usual backoff is close enough
  }
  return std::chrono::seconds(std::stol(std::string(value)));
}

// "HTTP 400 MANIFEST_INVALID: manifest invalid" from a Distribution error body when there is one.
std::string describe(const http::StringResponse& response) {
  std::string out = "HTTP " + std::to_string(response.result_int());
  boost::system::error_code ec;
  const auto doc = boost::json::parse(response.body(), ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  const auto* errors = obj ? obj->if_contains("errors") : nullptr;
  if (errors != nullptr && errors->is_array() && !errors->as_array().empty() &&
      errors->as_array().front().is_object()) {
    const auto& first = errors->as_array().front().as_object();
    for (const char* key : {"code", "message"}) {
      if (const auto* v = first.if_contains(key); v && v->is_string()) {
        out += (std::string_view(key) == "code" ? " " : ": ") + std::string(v->as_string());
      }
    }
  }
  return out;
}

std::vector<std::string> split_scopes(const std::string& scope) {
  std::vector<std::string> out;
  std::istringstream in(scope);
  for (std::string s; in >> s;) {
    out.push_back(s);
  }
  return out;
}

}  // namespace

// Credentials and tokens for one registry. Challenges decide the scheme: nothing is sent until
// the registry asks, and a token is kept per scope.
class Client::Auth {
 public:
  Auth(Client& client) : client_(client) {}

  std::optional<std::string> header(const std::string& scope) {
    if (bearer_) {
      auto it = tokens_.find(scope);
      if (it == tokens_.end()) {
        it = tokens_.emplace(scope, fetch_token(scope)).first;
      }
      return "Bearer " + it->second;
    }
    if (basic_) {
      return "Basic " + base64_encode(credentials()->user + ":" + credentials()->password);
    }
    return std::nullopt;
  }

  void challenged(const bhttp::response_header<>& response, const std::string& scope) {
    const auto header = response[bhttp::field::www_authenticate];
    const auto challenge = parse_challenge(header);
    const std::string where = client_.registry_;
    if (!challenge) {
      throw RegistryError(Kind::Protocol, where +
                                              " answered 401 without a readable "
                                              "WWW-Authenticate challenge: \"" +
                                              std::string(header) + "\"");
    }
    if (challenge->scheme == "basic") {
      if (!credentials()) {
        throw RegistryError(Kind::Auth, where +
                                            " requires credentials (Basic): set "
                                            "COMMENTSCTL_REGISTRY_USER and "
                                            "COMMENTSCTL_REGISTRY_PASSWORD or log in with "
                                            "docker/podman/skopeo login");
      }
      if (basic_) {
        throw RegistryError(Kind::Auth, where + " refused the credentials from " +
                                            credentials()->origin + " for " + scope);
      }
      basic_ = true;
      return;
    }
    if (challenge->scheme == "bearer") {
      auto realm = challenge->params.find("realm");
      if (realm == challenge->params.end() || realm->second.empty()) {
        throw RegistryError(Kind::Protocol, where + ": Bearer challenge without a realm");
      }
      if (bearer_ && tokens_.count(scope) != 0) {
        auto error = challenge->params.find("error");
        throw RegistryError(
            Kind::Auth, where + " refused the token for " + scope +
                            (error != challenge->params.end() ? " (" + error->second + ")" : ""));
      }
      bearer_ = true;
      realm_ = realm->second;
      auto service = challenge->params.find("service");
      service_ = service != challenge->params.end() ? service->second : "";
      tokens_.erase(scope);
      return;
    }
    throw RegistryError(
        Kind::Auth, where + " asks for unsupported authentication \"" + challenge->scheme + "\"");
  }

 private:
  const std::optional<Credentials>& credentials() {
    if (!loaded_) {
      loaded_ = true;
      if (client_.options_.use_credentials) {
        try {
          credentials_ = find_credentials(client_.registry_);
        } catch (const std::exception& e) {
          throw RegistryError(Kind::Auth, e.what());
        }
      }
    }
    return credentials_;
  }

  std::string fetch_token(const std::string& scope) {
    auto parsed = boost::urls::parse_absolute_uri(realm_);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
        parsed->host().empty()) {
      throw RegistryError(Kind::Protocol, client_.registry_ + ": Bearer realm \"" + realm_ +
                                              "\" is not an http(s) URL");
    }
    boost::urls::url url = *parsed;
    if (!service_.empty()) {
      url.params().append({"service", service_});
    }
    for (const auto& s : split_scopes(scope)) {
      url.params().append({"scope", s});
    }
    http::Endpoint endpoint{url.host(), url.has_port() ? std::string(url.port()) : "",
                            url.scheme() == "https"};
    if (endpoint.port.empty()) {
      endpoint.port = endpoint.tls ? "443" : "80";
    }
    if (!endpoint.tls && !client_.options_.insecure && !http::is_loopback(endpoint.host)) {
      throw RegistryError(Kind::Auth, client_.registry_ +
                                          ": refusing to send credentials to "
                                          "the plain-HTTP token realm " +
                                          realm_ + " (use --insecure to allow it)");
    }
    http::StringRequest request{bhttp::verb::get, url.encoded_target(), 11};
    request.set(bhttp::field::host, url.encoded_host_and_port());
    request.set(bhttp::field::user_agent, user_agent);
    if (credentials()) {
      request.set(bhttp::field::authorization,
                  "Basic " + base64_encode(credentials()->user + ":" + credentials()->password));
    }
    http::StringResponse response;
    try {
      auto connection = client_.connect_to(endpoint);
      response = connection->exchange(request, small_body);
    } catch (const http::NetworkError& e) {
      throw RegistryError(Kind::Network, std::string("token service: ") + e.what());
    }
    if (response.result_int() != 200) {
      throw RegistryError(
          response.result_int() == 401 || response.result_int() == 403 ? Kind::Auth : Kind::Refused,
          "token service " + realm_ + " refused " + scope + ": " + describe(response));
    }
    boost::system::error_code ec;
    const auto doc = boost::json::parse(response.body(), ec);
    const auto* obj = ec ? nullptr : doc.if_object();
    for (const char* key : {"token", "access_token"}) {
      const auto* v = obj ? obj->if_contains(key) : nullptr;
      if (v != nullptr && v->is_string() && !v->as_string().empty()) {
        return std::string(v->as_string());
      }
    }
    throw RegistryError(Kind::Protocol,
                        "token service " + realm_ + " answered without a \"token\" string");
  }

  Client& client_;
  bool loaded_ = false;
  std::optional<Credentials> credentials_;
  bool basic_ = false;
  bool bearer_ = false;
  std::string realm_;
  std::string service_;
  std::map<std::string, std::string> tokens_;
};

struct Client::Blob {
  std::unique_ptr<http::Connection> connection;
  std::optional<std::uint64_t> length;
};

Client::Client(std::string registry, ClientOptions options)
    : registry_(std::move(registry)), options_(options), auth_(std::make_unique<Auth>(*this)) {}

Client::~Client() = default;

std::string Client::origin() {
  const std::lock_guard lock(mutex_);
  try {
    return endpoint().origin();
  } catch (const std::exception&) {
    return registry_;
  }
}

std::unique_ptr<http::Connection> Client::connect_to(const http::Endpoint& endpoint) {
  http::TlsOptions tls = options_.tls;
  tls.verify = tls.verify && !options_.insecure;
  return std::make_unique<http::Connection>(endpoint, std::make_shared<http::TlsContext>(tls),
                                            options_.timeouts);
}

const http::Endpoint& Client::endpoint() {
  if (endpoint_) {
    return *endpoint_;
  }
  std::string host;
  std::string port;
  split_host_port(registry_, host, port);
  http::Endpoint tls{host, port.empty() ? "443" : port, true};
  if (!options_.insecure && !http::is_loopback(host)) {
    endpoint_ = tls;
    return *endpoint_;
  }
  // Loopback or --insecure: TLS when the registry speaks it, else plain HTTP. A refused
  // certificate is an error, never a reason to downgrade.
  try {
    auto connection = connect_to(tls);
    http::StringRequest ping{bhttp::verb::get, "/v2/", 11};
    ping.set(bhttp::field::host, registry_);
    ping.set(bhttp::field::user_agent, user_agent);
    connection->exchange(ping, small_body);
    endpoint_ = tls;
    connection_ = std::move(connection);
  } catch (const http::NetworkError& e) {
    if (e.kind() != http::NetworkError::Kind::Tls) {
      throw;
    }
    endpoint_ = http::Endpoint{host, port.empty() ? "80" : port, false};
  }
  return *endpoint_;
}

void Client::sleep_before_retry(int attempt, std::optional<std::chrono::seconds> after,
                                const std::string& why) {
  auto delay = options_.backoff * (1 << std::min(attempt - 1, 16));
  if (after) {
    delay = std::chrono::duration_cast<std::chrono::milliseconds>(*after);
  }
  delay = std::min(delay, options_.max_backoff);
  {
    const std::lock_guard lock(mutex_);
    ++stats_.retries;
    if (options_.log != nullptr) {
      *options_.log << "registry " << registry_ << ": " << why << "; retrying in " << delay.count()
                    << " ms (attempt " << attempt + 1 << " of " << options_.attempts << ")\n";
    }
  }
  std::this_thread::sleep_for(delay);
}

http::StringResponse Client::request(bhttp::verb method, const std::string& target,
                                     const std::string& scope, std::size_t max_body,
                                     const std::map<std::string, std::string>& headers,
                                     std::string body) {
  // One request at a time on the kept-alive connection; parallel blob copies use their own.
  const std::lock_guard lock(mutex_);
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    http::StringResponse response;
    try {
      const http::Endpoint& ep = endpoint();
      http::StringRequest req{method, target, 11};
      req.set(bhttp::field::host, registry_);
      req.set(bhttp::field::user_agent, user_agent);
      if (auto authorization = auth_->header(scope)) {
        req.set(bhttp::field::authorization, *authorization);
      }
      for (const auto& [name, value] : headers) {
        req.set(name, value);
      }
      req.body() = body;
      if (!connection_) {
        connection_ = connect_to(ep);
      }
      response = connection_->exchange(req, max_body);
    } catch (const http::NetworkError& e) {
      if (!retryable(e) || attempt >= options_.attempts) {
        throw RegistryError(Kind::Network, e.what());
      }
      sleep_before_retry(attempt, std::nullopt, e.what());
      continue;
    }
    const unsigned status = response.result_int();
    if (status == 401) {
      // Throws when the credentials or token just sent were refused.
      auth_->challenged(response, scope);
      if (reauthenticated) {
        throw RegistryError(Kind::Auth,
                            registry_ + " keeps asking for authentication for " + scope);
      }
      reauthenticated = true;
      --attempt;
      continue;
    }
    if ((status == 429 || status >= 500) && attempt < options_.attempts) {
      sleep_before_retry(
          attempt, retry_after(response),
          std::string(bhttp::to_string(method)) + " " + target + ": " + describe(response));
      continue;
    }
    return response;
  }
}

void Client::fail(const http::StringResponse& response, const std::string& what) {
  const unsigned status = response.result_int();
  Kind kind = Kind::Refused;
  if (status == 404) {
    kind = Kind::NotFound;
  } else if (status == 401 || status == 403) {
    kind = Kind::Auth;
  } else if (status == 429 || status >= 500) {
    kind = Kind::Unavailable;
  }
  throw RegistryError(kind, registry_ + ": " + what + ": " + describe(response));
}

Manifest Client::get_manifest(const std::string& repository, const std::string& ref) {
  const std::string what = "manifest " + registry_ + "/" + repository +
                           (ref.find(':') != std::string::npos ? "@" : ":") + ref;
  auto response =
      request(bhttp::verb::get, "/v2/" + repository + "/manifests/" + ref, pull_scope(repository),
              max_manifest, {{"Accept", std::string(media::accept_all)}});
  if (response.result_int() != 200) {
    fail(response, "cannot get " + what);
  }
  Manifest manifest;
  try {
    manifest = parse_manifest(std::move(response.body()),
                              std::string(response[bhttp::field::content_type]));
  } catch (const ManifestError& e) {
    throw RegistryError(Kind::Protocol, what + ": " + e.what());
  }
  if (is_sha256_digest(ref) && manifest.digest != ref) {
    throw RegistryError(Kind::DigestMismatch,
                        what + ": the bytes served hash to " + manifest.digest);
  }
  const std::string claimed(response["Docker-Content-Digest"]);
  if (is_sha256_digest(claimed) && claimed != manifest.digest) {
    throw RegistryError(Kind::DigestMismatch, what + ": Docker-Content-Digest says " + claimed +
                                                  " but the bytes hash to " + manifest.digest);
  }
  return manifest;
}

std::optional<Descriptor> Client::head_manifest(const std::string& repository,
                                                const std::string& ref) {
  auto response = request(bhttp::verb::head, "/v2/" + repository + "/manifests/" + ref,
                          pull_scope(repository), 0, {{"Accept", std::string(media::accept_all)}});
  if (response.result_int() == 404) {
    return std::nullopt;
  }
  if (response.result_int() != 200) {
    fail(response, "cannot check manifest " + repository + " " + ref);
  }
  Descriptor d;
  d.digest = std::string(response["Docker-Content-Digest"]);
  d.media_type = std::string(response[bhttp::field::content_type]);
  if (!is_sha256_digest(d.digest)) {
    // Not every registry sends the digest on HEAD: hash the manifest itself.
    const Manifest m = get_manifest(repository, ref);
    return Descriptor{m.media_type, m.digest, m.bytes.size(), "", false};
  }
  if (is_sha256_digest(ref) && d.digest != ref) {
    throw RegistryError(Kind::DigestMismatch, registry_ + "/" + repository + "@" + ref +
                                                  ": the registry names it " + d.digest);
  }
  if (auto length = response.payload_size()) {
    d.size = *length;
  }
  return d;
}

void Client::put_manifest(const std::string& repository, const std::string& ref,
                          const Manifest& manifest) {
  auto response =
      request(bhttp::verb::put, "/v2/" + repository + "/manifests/" + ref, push_scope(repository),
              small_body, {{"Content-Type", manifest.media_type}}, manifest.bytes);
  if (response.result_int() != 201 && response.result_int() != 200) {
    fail(response, "cannot push manifest " + manifest.digest + " as " + repository + " " + ref);
  }
  const std::string claimed(response["Docker-Content-Digest"]);
  if (is_sha256_digest(claimed) && claimed != manifest.digest) {
    throw RegistryError(Kind::DigestMismatch, registry_ + "/" + repository + ": pushed " +
                                                  manifest.digest + " but the registry stored " +
                                                  claimed);
  }
  const std::lock_guard lock(mutex_);
  ++stats_.manifests_pushed;
}

std::optional<std::uint64_t> Client::head_blob(const std::string& repository,
                                               const std::string& digest) {
  auto response = request(bhttp::verb::head, "/v2/" + repository + "/blobs/" + digest,
                          pull_scope(repository), 0);
  if (response.result_int() == 404) {
    return std::nullopt;
  }
  if (response.result_int() != 200) {
    fail(response, "cannot check blob " + digest + " in " + repository);
  }
  return response.payload_size().value_or(0);
}

bool Client::mount_blob(const std::string& repository, const std::string& digest,
                        const std::string& from_repository) {
  auto response =
      request(bhttp::verb::post,
              "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from_repository,
              push_scope(repository) + " " + pull_scope(from_repository), small_body);
  if (response.result_int() == 201) {
    const std::lock_guard lock(mutex_);
    ++stats_.blobs_mounted;
    return true;
  }
  if (response.result_int() == 202) {
    // The registry opened an ordinary upload instead; drop it, the caller uploads.
    const std::string location(response[bhttp::field::location]);
    auto parsed = boost::urls::parse_uri_reference(location);
    if (parsed) {
      try {
        request(bhttp::verb::delete_, std::string(parsed->encoded_target()), push_scope(repository),
                small_body);
      } catch (const RegistryError&) {
        // An abandoned upload expires on its own.
      }
    }
    return false;
  }
  fail(response, "cannot mount " + digest + " from " + from_repository + " into " + repository);
}

std::unique_ptr<Client::Blob> Client::open_blob(const std::string& repository,
                                                const std::string& digest) {
  std::unique_lock lock(mutex_);
  http::Endpoint ep = endpoint();
  lock.unlock();
  const std::string scope = pull_scope(repository);
  std::string target = "/v2/" + repository + "/blobs/" + digest;
  std::string host_header = registry_;
  bool same_origin = true;
  bool reauthenticated = false;
  for (int hop = 0; hop < 6; ++hop) {
    auto blob = std::make_unique<Blob>();
    blob->connection = connect_to(ep);
    http::StringRequest req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, host_header);
    req.set(bhttp::field::user_agent, user_agent);
    if (same_origin) {
      lock.lock();
      auto authorization = auth_->header(scope);
      lock.unlock();
      if (authorization) {
        req.set(bhttp::field::authorization, *authorization);
      }
    }
    blob->connection->send(req);
    auto& parser = blob->connection->read_header();
    const unsigned status = parser.get().result_int();
    if (status == 200) {
      if (auto length = parser.content_length()) {
        blob->length = *length;
      }
      return blob;
    }
    if (status == 401 && same_origin) {
      lock.lock();
      auth_->challenged(parser.get().base(), scope);
      lock.unlock();
      if (reauthenticated) {
        throw RegistryError(Kind::Auth,
                            registry_ + " keeps asking for authentication for " + scope);
      }
      reauthenticated = true;
      --hop;
      continue;
    }
    const std::string location(parser.get()[bhttp::field::location]);
    if (status >= 300 && status < 400 && !location.empty()) {
      // Storage redirects (S3, a CDN): follow, without our credentials on another host.
      boost::urls::url base(ep.origin() + target);
      auto ref = boost::urls::parse_uri_reference(location);
      boost::urls::url next;
      if (!ref || !boost::urls::resolve(base, *ref, next) || next.host().empty()) {
        throw RegistryError(Kind::Protocol,
                            registry_ + ": blob " + digest + " redirects to \"" + location + "\"");
      }
      const bool tls = next.scheme() == "https";
      ep = http::Endpoint{next.host(),
                          next.has_port() ? std::string(next.port()) : (tls ? "443" : "80"), tls};
      if (!tls && !options_.insecure && !http::is_loopback(ep.host)) {
        throw RegistryError(Kind::Protocol, registry_ + ": blob " + digest +
                                                " redirects to plain HTTP " + location +
                                                " (use --insecure to allow it)");
      }
      same_origin = next.encoded_host_and_port() == registry_;
      host_header = next.encoded_host_and_port();
      target = next.encoded_target();
      continue;
    }
    http::StringResponse head;
    head.base() = parser.get().base();
    fail(head, "cannot get blob " + digest + " from " + repository);
  }
  throw RegistryError(Kind::Protocol, registry_ + ": too many redirects for blob " + digest);
}

std::string Client::get_blob(const std::string& repository, const std::string& digest,
                             std::size_t max_size) {
  auto blob = open_blob(repository, digest);
  std::string bytes;
  std::vector<char> chunk(64 * 1024);
  try {
    while (std::size_t n = blob->connection->read_body(chunk.data(), chunk.size())) {
      if (bytes.size() + n > max_size) {
        throw RegistryError(Kind::Protocol, registry_ + "/" + repository + ": blob " + digest +
                                                " is larger than " + std::to_string(max_size) +
                                                " bytes");
      }
      bytes.append(chunk.data(), n);
    }
  } catch (const http::NetworkError& e) {
    throw RegistryError(Kind::Network, e.what());
  }
  {
    const std::lock_guard lock(mutex_);
    stats_.downloaded_bytes += bytes.size();
  }
  if (sha256_digest(bytes) != digest) {
    throw RegistryError(Kind::DigestMismatch, registry_ + "/" + repository + ": blob " + digest +
                                                  " hashes to " + sha256_digest(bytes));
  }
  return bytes;
}

void Client::copy_blob(Client& source, const std::string& source_repository, const Descriptor& blob,
                       const std::string& repository) {
  for (int attempt = 1;; ++attempt) {
    try {
      copy_blob_once(source, source_repository, blob, repository);
      return;
    } catch (const http::NetworkError& e) {
      if (!retryable(e) || attempt >= options_.attempts) {
        throw RegistryError(Kind::Network, "copying blob " + blob.digest + ": " + e.what());
      }
      sleep_before_retry(attempt, std::nullopt, e.what());
    } catch (const RegistryError& e) {
      if ((e.kind() != Kind::Network && e.kind() != Kind::Unavailable) ||
          attempt >= options_.attempts) {
        throw;
      }
      sleep_before_retry(attempt, std::nullopt, e.what());
    }
  }
}

void Client::copy_blob_once(Client& source, const std::string& source_repository,
                            const Descriptor& blob, const std::string& repository) {
  auto started = request(bhttp::verb::post, "/v2/" + repository + "/blobs/uploads/",
                         push_scope(repository), small_body);
  if (started.result_int() != 202) {
    fail(started, "cannot start an upload to " + repository);
  }
  const std::string location(started[bhttp::field::location]);
  std::unique_lock lock(mutex_);
  const http::Endpoint ep = endpoint();
  lock.unlock();
  boost::urls::url base(ep.origin() + "/v2/" + repository + "/blobs/uploads/");
  auto ref = boost::urls::parse_uri_reference(location);
  boost::urls::url upload;
  if (location.empty() || !ref || !boost::urls::resolve(base, *ref, upload)) {
    throw RegistryError(Kind::Protocol,
                        registry_ + ": upload Location \"" + location + "\" is not a URL");
  }
  if (upload.encoded_host_and_port() != base.encoded_host_and_port()) {
    throw RegistryError(Kind::Protocol, registry_ + ": upload Location " + location +
                                            " is on another host, which this client does not "
                                            "follow");
  }
  upload.params().append({"digest", blob.digest});

  auto input = source.open_blob(source_repository, blob.digest);
  if (input->length && *input->length != blob.size) {
    throw RegistryError(Kind::Protocol, source.registry_ + "/" + source_repository + ": blob " +
                                            blob.digest + " is " + std::to_string(*input->length) +
                                            " bytes, its descriptor says " +
                                            std::to_string(blob.size));
  }

  auto output = connect_to(ep);
  bhttp::request<bhttp::buffer_body> put{bhttp::verb::put, upload.encoded_target(), 11};
  put.set(bhttp::field::host, registry_);
  put.set(bhttp::field::user_agent, user_agent);
  put.set(bhttp::field::content_type, "application/octet-stream");
  lock.lock();
  auto authorization = auth_->header(push_scope(repository));
  lock.unlock();
  if (authorization) {
    put.set(bhttp::field::authorization, *authorization);
  }
  put.content_length(blob.size);
  output->begin_upload(put);

  std::vector<char> chunk(static_cast<std::size_t>(
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(options_.chunk_size, blob.size))));
  Sha256 hash;
  std::uint64_t sent = 0;
  auto check_digest = [&] {
    const std::string got = hash.finish();
    if (got != blob.digest) {
      // Closing before the last byte leaves the upload uncommitted.
      output->close();
      throw RegistryError(Kind::DigestMismatch, source.registry_ + "/" + source_repository +
                                                    ": blob " + blob.digest + " hashes to " + got +
                                                    "; the upload was abandoned");
    }
  };
  if (blob.size == 0) {
    check_digest();
    output->upload(nullptr, 0, true);
  }
  while (sent < blob.size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), blob.size - sent));
    const std::size_t n = input->connection->read_body(chunk.data(), want);
    if (n == 0) {
      throw RegistryError(Kind::Network, source.registry_ + ": blob " + blob.digest +
                                             " ended after " + std::to_string(sent) + " of " +
                                             std::to_string(blob.size) + " bytes");
    }
    hash.update(chunk.data(), n);
    sent += n;
    {
      const std::lock_guard source_lock(source.mutex_);
      source.stats_.downloaded_bytes += n;
    }
    const bool last = sent == blob.size;
    if (last) {
      check_digest();
    }
    output->upload(chunk.data(), n, last);
  }
  auto finished = output->finish_upload(small_body);
  if (finished.result_int() != 201) {
    fail(finished, "cannot complete the upload of " + blob.digest + " to " + repository);
  }
  lock.lock();
  stats_.uploaded_bytes += blob.size;
  ++stats_.blobs_uploaded;
}

}  // namespace commentsctl::registry
