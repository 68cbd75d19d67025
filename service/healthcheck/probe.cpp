// One GET over plain HTTP with a deadline, via Beast.
#include "service/healthcheck/probe.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <iostream>

namespace comments::healthcheck {

int probe(const std::string& url, std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->scheme() != "http" || u->host().empty()) {
    std::cerr << "healthcheck: '" << url << "' is not an http:// URL\n";
    return 1;
  }
  const std::string host = u->host();
  const std::string port = u->has_port() ? std::string(u->port()) : "80";
  std::string target = u->encoded_target().empty() ? "/" : std::string(u->encoded_target());

  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failure;
  asio::ip::tcp::resolver resolver(ioc);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "comments-service-healthcheck");
  req.set(http::field::connection, "close");

  stream.expires_after(timeout);
  resolver.async_resolve(
      host, port, [&](beast::error_code ec, asio::ip::tcp::resolver::results_type r) {
        if (ec) {
          failure = ec;
          return;
        }
        stream.async_connect(r, [&](beast::error_code ec2, const asio::ip::tcp::endpoint&) {
          if (ec2) {
            failure = ec2;
            return;
          }
          http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
            if (ec3) {
              failure = ec3;
              return;
            }
            http::async_read(stream, buffer, res,
                             [&](beast::error_code ec4, std::size_t) { failure = ec4; });
          });
        });
      });
  ioc.run();
  if (failure) {
    std::cerr << "healthcheck: " << url << ": " << failure.message() << "\n";
    return 1;
  }
  if (res.result_int() != 200) {
    std::cerr << "healthcheck: " << url << " answered " << res.result_int() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace comments::healthcheck
