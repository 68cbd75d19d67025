// Loading the trusted certificates once per run.
#include "http/tls.hpp"

#include "http/connection.hpp"

namespace commentsctl::http {

TlsContext::TlsContext(TlsOptions options)
    : options_(std::move(options)), context_(boost::asio::ssl::context::tls_client) {}

boost::asio::ssl::context& TlsContext::context() {
  std::call_once(loaded_, [this] {
    // The system store: OpenSSL's default file and directory, or SSL_CERT_FILE / SSL_CERT_DIR.
    context_.set_default_verify_paths();
    if (!options_.ca_file.empty()) {
      boost::system::error_code ec;
      context_.load_verify_file(options_.ca_file, ec);
      if (ec) {
        // Thrown out of call_once, so the next connection tries (and fails) again.
        throw NetworkError(NetworkError::Kind::TlsVerify,
                           "cannot load the CA file " + options_.ca_file + ": " + ec.message());
      }
    }
    ++loads_;
  });
  return context_;
}

}  // namespace commentsctl::http
