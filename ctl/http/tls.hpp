// The TLS client context of a run: the trusted CA certificates (the system store, which OpenSSL
// reads from SSL_CERT_FILE / SSL_CERT_DIR when set, plus an optional extra bundle) loaded once and
// shared by every connection, whatever its thread.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <mutex>
#include <string>

namespace commentsctl::http {

struct TlsOptions {
  bool verify = true;   // verify the peer's certificate and host name
  std::string ca_file;  // extra trusted CA bundle (PEM); the system store is always used too
};

class TlsContext {
 public:
  explicit TlsContext(TlsOptions options);
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext() = default;

  // The OpenSSL context with the CA certificates loaded, on first use (a run that never speaks
  // TLS never reads the bundle). Throws NetworkError (TlsVerify) when ca_file cannot be loaded.
  boost::asio::ssl::context& context();
  [[nodiscard]] bool verify() const { return options_.verify; }
  // How many times the certificates were loaded: 1 after any number of connections.
  [[nodiscard]] int loads() const { return loads_; }

 private:
  TlsOptions options_;
  boost::asio::ssl::context context_;
  std::once_flag loaded_;
  int loads_ = 0;
};

}  // namespace commentsctl::http
