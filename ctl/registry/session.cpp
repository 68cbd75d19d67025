// Requests to one registry through a session's transport: the request loop (authorization,
// challenges, redirects, retries), the Distribution API calls, and streamed blob copies that
// check every digest the registry hands back.
#include "registry/session.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <thread>
#include <vector>

#include "registry/digest.hpp"

namespace commentsctl::registry {

namespace bhttp = http::bhttp;
using Kind = RegistryError::Kind;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t small_body = 64 * 1024;
constexpr std::size_t max_manifest = 4 * 1024 * 1024;  // what registries accept (OCI spec)
constexpr const char* user_agent = "commentsctl";

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

// The Content-Length header's value, when it has a readable one.
std::optional<std::uint64_t> announced_length(const http::ResponseHeader& header) {
  const auto value = header[bhttp::field::content_length];
  if (value.empty() || value.size() > 19 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(std::string(value));
}

Options with_defaults(Options options) {
  if (!options.tls) {
    options.tls = std::make_shared<http::TlsContext>(options.tls_options);
  }
  if (!options.credentials) {
    options.credentials = [](const std::string& registry) {
      return find_credentials(registry, system_credential_sources());
    };
  }
  if (!options.transport) {
    options.transport = [tls = options.tls, timeouts = options.timeouts] {
      return std::make_unique<http::NetworkTransport>(tls, timeouts);
    };
  }
  if (!options.sleep) {
    options.sleep = [](milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
  return options;
}

}  // namespace

// --- Registry: the shared state -----------------------------------------------------------------

Registry::Registry(std::string name, Options options)
    : name_(std::move(name)), options_(with_defaults(std::move(options))) {}

Stats Registry::stats() const {
  Stats s;
  s.uploaded_bytes = uploaded_bytes_;
  s.downloaded_bytes = downloaded_bytes_;
  s.blobs_uploaded = blobs_uploaded_;
  s.blobs_mounted = blobs_mounted_;
  s.manifests_pushed = manifests_pushed_;
  s.retries = retries_;
  return s;
}

Session Registry::session() { return {*this, options_.transport()}; }

std::optional<http::Endpoint> Registry::endpoint() const {
  const std::lock_guard lock(mutex_);
  return endpoint_;
}

http::Endpoint Registry::choose_endpoint(const http::Endpoint& endpoint) {
  const std::lock_guard lock(mutex_);
  if (!endpoint_) {
    endpoint_ = endpoint;
  }
  return *endpoint_;
}

AuthScheme Registry::scheme() const {
  const std::lock_guard lock(mutex_);
  return scheme_;
}

void Registry::set_scheme(AuthScheme scheme) {
  const std::lock_guard lock(mutex_);
  scheme_ = std::move(scheme);
}

const CredentialSearch& Registry::credentials() {
  std::call_once(credentials_once_, [this] {
    try {
      credentials_ = options_.credentials(name_);
    } catch (const std::exception& e) {
      credentials_error_ = e.what();
    }
  });
  if (!credentials_error_.empty()) {
    throw RegistryError(Kind::Auth, "credentials for " + name_ + ": " + credentials_error_);
  }
  return credentials_;
}

void Registry::count_retry(const std::string& line) {
  ++retries_;
  if (options_.log != nullptr) {
    const std::lock_guard lock(mutex_);
    *options_.log << line << '\n';
  }
}

// --- Session: the request loop ------------------------------------------------------------------

Session::Session(Registry& registry, std::unique_ptr<http::Transport> transport)
    : registry_(&registry), transport_(std::move(transport)) {}

Session::~Session() = default;

std::string Session::origin() { return endpoint().origin(); }

const http::Endpoint& Session::endpoint() {
  if (endpoint_) {
    return *endpoint_;
  }
  if (auto known = registry_->endpoint()) {
    return *(endpoint_ = known);
  }
  const auto candidates = rules::registry_endpoints(name(), registry_->options().insecure);
  http::Endpoint chosen = candidates.front();
  if (candidates.size() > 1) {
    // Loopback or --insecure: TLS when the registry speaks it, else plain HTTP.
    try {
      http::StringRequest ping{bhttp::verb::get, "/v2/", 11};
      ping.set(bhttp::field::host, name());
      ping.set(bhttp::field::user_agent, user_agent);
      auto response = transport_->send(candidates.front(), std::move(ping));
      http::discard(*response);
    } catch (const http::NetworkError& e) {
      if (!rules::falls_back_to_plain(e)) {
        throw;
      }
      chosen = candidates.back();
    }
  }
  return *(endpoint_ = registry_->choose_endpoint(chosen));
}

void Session::pause(int attempt, milliseconds delay, const std::string& why) {
  registry_->count_retry("registry " + name() + ": " + why + "; retrying in " +
                         std::to_string(delay.count()) + " ms (attempt " +
                         std::to_string(attempt + 1) + " of " +
                         std::to_string(registry_->options().retry.attempts) + ")");
  registry_->options().sleep(delay);
}

std::string Session::fetch_token(const AuthScheme& bearer, const std::string& scope) {
  const auto& found = registry_->credentials();
  auto token = token_request(bearer, scope, found.found, registry_->options().insecure);
  token.request.set(bhttp::field::user_agent, user_agent);
  http::StringResponse response;
  try {
    auto opened = transport_->send(token.endpoint, std::move(token.request));
    response = http::read_all(*opened, small_body);
  } catch (const http::NetworkError& e) {
    throw RegistryError(Kind::Network, "token service " + bearer.realm + ": " + e.what());
  }
  const unsigned status = response.result_int();
  if (status != 200) {
    const bool refused = status == 401 || status == 403;
    throw RegistryError(
        refused ? Kind::Auth : Kind::Refused,
        "token service " + bearer.realm + " refused " + scope + ": " + describe(response) +
            (refused && !found.found ? "; " + credentials_help(name(), found) : ""));
  }
  return parse_token_response(response.body(), bearer.realm).value;
}

Session::Authorization Session::authorization(const std::string& scope) {
  const AuthScheme scheme = registry_->scheme();
  switch (scheme.kind) {
    case AuthScheme::Kind::Anonymous:
      return {};
    case AuthScheme::Kind::Basic:
      return {basic_authorization(*registry_->credentials().found), Sent::Basic};
    case AuthScheme::Kind::Bearer:
      break;
  }
  const auto now = TokenCache::Clock::now();
  if (auto token = registry_->tokens_.find(scheme, scope, now)) {
    return {"Bearer " + *token, Sent::CachedToken};
  }
  // Fetched without any lock: two sessions may both fetch; both tokens are good.
  Token token{fetch_token(scheme, scope)};
  registry_->tokens_.store(scheme, scope, token, now);
  return {"Bearer " + token.value, Sent::FreshToken};
}

std::unique_ptr<http::Response> Session::open(const Call& call) {
  const bool insecure = registry_->options().insecure;
  const auto& policy = registry_->options().retry;
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    std::string why;
    std::optional<milliseconds> retry_after;
    try {
      const auto home = rules::at_registry(endpoint(), name(), call.target);
      auto at = home;
      for (int hop = 0;; ++hop) {
        http::StringRequest request{call.method, at.target, 11};
        request.set(bhttp::field::host, at.host);
        request.set(bhttp::field::user_agent, user_agent);
        for (const auto& [field, value] : call.headers) {
          request.set(field, value);
        }
        Authorization auth;
        if (at.registry) {
          auth = authorization(call.scope);
          if (auth.header) {
            request.set(bhttp::field::authorization, *auth.header);
          }
        }
        if (!call.body.empty()) {
          request.body() = call.body;
        }
        auto response = transport_->send(at.endpoint, std::move(request));
        const auto& header = response->header();
        const unsigned status = header.result_int();
        if (status == 401 && at.registry) {
          if (auth.sent == Sent::CachedToken) {
            registry_->tokens_.forget(auth.header->substr(std::string_view("Bearer ").size()));
          }
          // Throws, saying why, when what was sent was refused.
          const std::string challenge(header[bhttp::field::www_authenticate]);
          registry_->set_scheme(
              answer_challenge(challenge, auth.sent, registry_->credentials(), name(), call.scope));
          if (reauthenticated) {
            throw RegistryError(Kind::Auth,
                                name() + " keeps asking for authentication for " + call.scope);
          }
          http::discard(*response);
          reauthenticated = true;
          hop = -1;
          at = home;
          continue;
        }
        if (call.follow_redirects && rules::is_redirect(status)) {
          if (hop + 1 > rules::max_redirects) {
            throw RegistryError(Kind::Protocol, name() + ": more than " +
                                                    std::to_string(rules::max_redirects) +
                                                    " redirects for " + call.target);
          }
          const std::string location(header[bhttp::field::location]);
          at = rules::follow_redirect(at, location, home, insecure);
          continue;
        }
        if (rules::retryable_status(status) && attempt < policy.attempts) {
          retry_after = rules::parse_retry_after(header[bhttp::field::retry_after],
                                                 std::chrono::system_clock::now());
          http::StringResponse body;
          try {
            body = http::read_all(*response, small_body);
          } catch (const http::NetworkError&) {
            body.base() = header;
          }
          why = std::string(bhttp::to_string(call.method)) + " " + at.url() + ": " + describe(body);
          break;
        }
        return response;
      }
    } catch (const http::NetworkError& e) {
      if (!rules::retryable(e) || attempt >= policy.attempts) {
        throw RegistryError(Kind::Network, e.what());
      }
      why = e.what();
    }
    const auto delay = rules::retry_delay(policy, attempt, retry_after);
    if (!delay) {
      throw RegistryError(Kind::Unavailable, name() + ": " + why);
    }
    pause(attempt, *delay, why);
  }
}

http::StringResponse Session::call(const Call& c, std::size_t max_body) {
  auto response = open(c);
  try {
    return http::read_all(*response, max_body);
  } catch (const http::NetworkError& e) {
    throw RegistryError(
        e.kind() == http::NetworkError::Kind::TooLarge ? Kind::Protocol : Kind::Network,
        name() + ": " + std::string(bhttp::to_string(c.method)) + " " + c.target + ": " + e.what());
  }
}

void Session::fail(const http::StringResponse& response, const std::string& what) {
  const unsigned status = response.result_int();
  Kind kind = Kind::Refused;
  if (status == 404) {
    kind = Kind::NotFound;
  } else if (status == 401 || status == 403) {
    kind = Kind::Auth;
  } else if (rules::retryable_status(status)) {
    kind = Kind::Unavailable;
  }
  throw RegistryError(kind, name() + ": " + what + ": " + describe(response));
}

void Session::fail(http::Response& response, const std::string& what) {
  http::StringResponse whole;
  try {
    whole = http::read_all(response, small_body);
  } catch (const http::NetworkError&) {
    whole = {};
    whole.base() = response.header();
  }
  fail(whole, what);
}

std::optional<http::StringResponse> Session::head(const std::string& target,
                                                  const std::string& scope,
                                                  std::map<std::string, std::string> headers,
                                                  const std::string& what) {
  auto response = call({bhttp::verb::head, target, scope, std::move(headers), "", false}, 0);
  if (response.result_int() == 404) {
    return std::nullopt;
  }
  if (response.result_int() != 200) {
    fail(response, what);
  }
  return response;
}

// --- The Distribution API -----------------------------------------------------------------------

Manifest Session::get_manifest(const std::string& repository, const std::string& ref) {
  const std::string what = "manifest " + name() + "/" + repository +
                           (ref.find(':') != std::string::npos ? "@" : ":") + ref;
  auto response = call({bhttp::verb::get,
                        "/v2/" + repository + "/manifests/" + ref,
                        pull_scope(repository),
                        {{"Accept", std::string(media::accept_all)}},
                        "",
                        false},
                       max_manifest);
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

std::optional<Descriptor> Session::head_manifest(const std::string& repository,
                                                 const std::string& ref) {
  auto response = head("/v2/" + repository + "/manifests/" + ref, pull_scope(repository),
                       {{"Accept", std::string(media::accept_all)}},
                       "cannot check manifest " + repository + " " + ref);
  if (!response) {
    return std::nullopt;
  }
  Descriptor d;
  d.digest = std::string((*response)["Docker-Content-Digest"]);
  d.media_type = std::string((*response)[bhttp::field::content_type]);
  if (!is_sha256_digest(d.digest)) {
    // Not every registry sends the digest on HEAD: hash the manifest itself.
    const Manifest m = get_manifest(repository, ref);
    return Descriptor{m.media_type, m.digest, m.bytes.size(), "", false};
  }
  if (is_sha256_digest(ref) && d.digest != ref) {
    throw RegistryError(Kind::DigestMismatch, name() + "/" + repository + "@" + ref +
                                                  ": the registry names it " + d.digest);
  }
  d.size = announced_length(response->base()).value_or(0);
  return d;
}

void Session::put_manifest(const std::string& repository, const std::string& ref,
                           const Manifest& manifest) {
  auto response = call({bhttp::verb::put,
                        "/v2/" + repository + "/manifests/" + ref,
                        push_scope(repository),
                        {{"Content-Type", manifest.media_type}},
                        manifest.bytes,
                        false},
                       small_body);
  if (response.result_int() != 201 && response.result_int() != 200) {
    fail(response, "cannot push manifest " + manifest.digest + " as " + repository + " " + ref);
  }
  const std::string claimed(response["Docker-Content-Digest"]);
  if (is_sha256_digest(claimed) && claimed != manifest.digest) {
    throw RegistryError(Kind::DigestMismatch, name() + "/" + repository + ": pushed " +
                                                  manifest.digest + " but the registry stored " +
                                                  claimed);
  }
  ++registry_->manifests_pushed_;
}

std::optional<std::uint64_t> Session::head_blob(const std::string& repository,
                                                const std::string& digest) {
  auto response = head("/v2/" + repository + "/blobs/" + digest, pull_scope(repository), {},
                       "cannot check blob " + digest + " in " + repository);
  if (!response) {
    return std::nullopt;
  }
  return announced_length(response->base()).value_or(0);
}

bool Session::mount_blob(const std::string& repository, const std::string& digest,
                         const std::string& from_repository) {
  auto response =
      call({bhttp::verb::post,
            "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from_repository,
            merge_scopes(push_scope(repository), pull_scope(from_repository)),
            {},
            "",
            false},
           small_body);
  if (response.result_int() == 201) {
    ++registry_->blobs_mounted_;
    return true;
  }
  if (response.result_int() == 202) {
    // The registry opened an ordinary upload instead; drop it, the caller uploads.
    const std::string location(response[bhttp::field::location]);
    auto parsed = boost::urls::parse_uri_reference(location);
    if (parsed) {
      try {
        call({bhttp::verb::delete_,
              std::string(parsed->encoded_target()),
              push_scope(repository),
              {},
              "",
              false},
             small_body);
      } catch (const RegistryError&) {
        // An abandoned upload expires on its own.
      }
    }
    return false;
  }
  fail(response, "cannot mount " + digest + " from " + from_repository + " into " + repository);
}

std::unique_ptr<http::Response> Session::open_blob(const std::string& repository,
                                                   const std::string& digest) {
  auto response = open({bhttp::verb::get,
                        "/v2/" + repository + "/blobs/" + digest,
                        pull_scope(repository),
                        {},
                        "",
                        true});
  if (response->header().result_int() != 200) {
    fail(*response, "cannot get blob " + digest + " from " + repository);
  }
  return response;
}

std::string Session::get_blob(const std::string& repository, const std::string& digest,
                              std::size_t max_size) {
  auto blob = open_blob(repository, digest);
  std::string bytes;
  std::vector<char> piece(64 * 1024);
  try {
    while (const std::size_t n = blob->read(piece.data(), piece.size())) {
      if (bytes.size() + n > max_size) {
        throw RegistryError(Kind::Protocol, name() + "/" + repository + ": blob " + digest +
                                                " is larger than " + std::to_string(max_size) +
                                                " bytes");
      }
      bytes.append(piece.data(), n);
    }
  } catch (const http::NetworkError& e) {
    throw RegistryError(Kind::Network, e.what());
  }
  registry_->downloaded_bytes_ += bytes.size();
  if (sha256_digest(bytes) != digest) {
    throw RegistryError(Kind::DigestMismatch, name() + "/" + repository + ": blob " + digest +
                                                  " hashes to " + sha256_digest(bytes));
  }
  return bytes;
}

void Session::copy_blob(Session& source, const std::string& source_repository,
                        const Descriptor& blob, const std::string& repository) {
  const auto& policy = registry_->options().retry;
  for (int attempt = 1;; ++attempt) {
    std::string why;
    try {
      copy_blob_once(source, source_repository, blob, repository);
      return;
    } catch (const http::NetworkError& e) {
      if (!rules::retryable(e) || attempt >= policy.attempts) {
        throw RegistryError(Kind::Network, "copying blob " + blob.digest + ": " + e.what());
      }
      why = e.what();
    } catch (const RegistryError& e) {
      if ((e.kind() != Kind::Network && e.kind() != Kind::Unavailable) ||
          attempt >= policy.attempts) {
        throw;
      }
      why = e.what();
    }
    pause(attempt, *rules::retry_delay(policy, attempt),
          "copying blob " + blob.digest + ": " + why);
  }
}

void Session::copy_blob_once(Session& source, const std::string& source_repository,
                             const Descriptor& blob, const std::string& repository) {
  const std::string uploads = "/v2/" + repository + "/blobs/uploads/";
  auto started =
      call({bhttp::verb::post, uploads, push_scope(repository), {}, "", false}, small_body);
  if (started.result_int() != 202) {
    fail(started, "cannot start an upload to " + repository);
  }
  const auto home = rules::at_registry(endpoint(), name(), uploads);
  auto upload = rules::follow_redirect(home, started[bhttp::field::location], home,
                                       registry_->options().insecure);
  if (!upload.registry) {
    throw RegistryError(Kind::Protocol, name() + ": upload Location " + upload.url() +
                                            " is on another host, which this client does not "
                                            "follow");
  }
  const std::string cancel_target = upload.target;
  {
    boost::urls::url target(*boost::urls::parse_origin_form(upload.target));
    target.params().append({"digest", blob.digest});
    upload.target = target.encoded_target();
  }

  auto input = source.open_blob(source_repository, blob.digest);
  if (auto length = input->content_length(); length && *length != blob.size) {
    throw RegistryError(Kind::Protocol, source.name() + "/" + source_repository + ": blob " +
                                            blob.digest + " is " + std::to_string(*length) +
                                            " bytes, its descriptor says " +
                                            std::to_string(blob.size));
  }

  http::RequestHeader put;
  put.method(bhttp::verb::put);
  put.target(upload.target);
  put.version(11);
  put.set(bhttp::field::host, upload.host);
  put.set(bhttp::field::user_agent, user_agent);
  put.set(bhttp::field::content_type, "application/octet-stream");
  if (auto auth = authorization(push_scope(repository)); auth.header) {
    put.set(bhttp::field::authorization, *auth.header);
  }
  auto output = transport_->upload(upload.endpoint, put, blob.size);

  std::vector<char> piece(static_cast<std::size_t>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(registry_->options().chunk_size, blob.size))));
  Sha256 hash;
  std::uint64_t sent = 0;
  auto check_digest = [&] {
    const std::string got = hash.finish();
    if (got == blob.digest) {
      return;
    }
    // Never send the last byte: the registry has no complete body to commit. Then cancel the
    // upload session, so that nothing lingers.
    output->abandon();
    try {
      call({bhttp::verb::delete_, cancel_target, push_scope(repository), {}, "", false},
           small_body);
    } catch (const RegistryError&) {
      // An abandoned upload expires on its own.
    }
    throw RegistryError(Kind::DigestMismatch, source.name() + "/" + source_repository + ": blob " +
                                                  blob.digest + " hashes to " + got +
                                                  "; the upload was abandoned");
  };
  if (blob.size == 0) {
    check_digest();
  }
  while (sent < blob.size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), blob.size - sent));
    std::size_t n = 0;
    while (n < want) {
      const std::size_t got = input->read(piece.data() + n, want - n);
      if (got == 0) {
        throw RegistryError(Kind::Network, source.name() + ": blob " + blob.digest +
                                               " ended after " + std::to_string(sent + n) + " of " +
                                               std::to_string(blob.size) + " bytes");
      }
      n += got;
    }
    hash.update(piece.data(), n);
    sent += n;
    source.registry_->downloaded_bytes_ += n;
    if (sent == blob.size) {
      check_digest();
    }
    output->write(piece.data(), n);
  }
  auto finished = output->finish(small_body);
  if (finished.result_int() != 201) {
    fail(finished, "cannot complete the upload of " + blob.digest + " to " + repository);
  }
  registry_->uploaded_bytes_ += blob.size;
  ++registry_->blobs_uploaded_;
}

}  // namespace commentsctl::registry
