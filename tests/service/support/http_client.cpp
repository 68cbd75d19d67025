// Blocking Beast client: one kept-alive connection, reconnected when the server closed it.
#include "tests/service/support/http_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <functional>

namespace comments::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;

boost::json::value HttpResponse::json() const { return boost::json::parse(body); }

std::string HttpResponse::header(const std::string& name) const {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

std::string json_string(const std::string& s) {
  return boost::json::serialize(boost::json::string(s));
}

std::string text(const boost::json::value& v) { return std::string(v.as_string()); }

HttpClient::HttpClient(std::uint16_t port, std::string host)
    : port_(port), host_(std::move(host)), socket_(ioc_) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  boost::system::error_code ec;
  socket_.close(ec);
  buffer_.clear();
}

void HttpClient::connect() {
  socket_.connect({asio::ip::make_address(host_), port_});
  buffer_.clear();
}

void HttpClient::run_for(std::chrono::milliseconds timeout, const char* what) {
  ioc_.restart();
  ioc_.run_for(timeout);
  if (!ioc_.stopped()) {
    close();
    ioc_.restart();
    ioc_.run();
    throw std::runtime_error(std::string("timed out: ") + what);
  }
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) {
    req.method_string(method);
  }
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.prepare_payload();
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!socket_.is_open()) {
      connect();
    }
    boost::system::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == "HEAD");
    http::async_write(socket_, req, [&](boost::system::error_code wec, std::size_t) {
      ec = wec;
      if (!wec) {
        http::async_read(socket_, buffer_, parser,
                         [&](boost::system::error_code rec, std::size_t) { ec = rec; });
      }
    });
    run_for(std::chrono::seconds(30), target.c_str());
    if (ec) {
      close();
      // A kept-alive connection the server closed in between: retry once on a new one.
      if (attempt == 0 && (ec == http::error::end_of_stream ||
                           ec == asio::error::connection_reset || ec == asio::error::broken_pipe)) {
        continue;
      }
      throw boost::system::system_error(ec, method + " " + target);
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = res.result_int();
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) {
      close();
    }
    return out;
  }
  throw std::runtime_error("unreachable");
}

HttpResponse HttpClient::post_json(const std::string& target, const std::string& body) {
  return request("POST", target, body, {{"Content-Type", "application/json"}});
}

HttpResponse HttpClient::post_comment(const std::string& email, const std::string& comment,
                                      const std::string& content_id_json) {
  return post_json("/api/comment/new", R"({"email":)" + json_string(email) + R"(,"comment":)" +
                                           json_string(comment) + R"(,"content_id":)" +
                                           content_id_json + "}");
}

HttpClient::Exchange HttpClient::exchange(const std::string& bytes, int timeout_ms) {
  close();
  connect();
  Exchange result;
  std::string& out = result.bytes;
  std::array<char, 4096> chunk{};
  std::function<void(boost::system::error_code, std::size_t)> on_read =
      [&](boost::system::error_code ec, std::size_t n) {
        out.append(chunk.data(), n);
        if (!ec) {
          socket_.async_read_some(asio::buffer(chunk), on_read);
        } else if (ec != asio::error::operation_aborted) {  // aborted: our own timeout
          result.closed = true;
        }
      };
  // Everything is written before reading, as a simple client does; read even when the write
  // failed: the server may have answered and closed before taking it all.
  asio::async_write(socket_, asio::buffer(bytes), [&](boost::system::error_code, std::size_t) {
    socket_.async_read_some(asio::buffer(chunk), on_read);
  });
  try {
    run_for(std::chrono::milliseconds(timeout_ms), "raw");
  } catch (const std::runtime_error&) {
    // The server kept the connection open: return what it sent so far.
  }
  close();
  return result;
}

void walk_pages(HttpClient& client, std::string first,
                const std::function<bool(const HttpResponse&)>& page) {
  for (std::string next = std::move(first); !next.empty();) {
    const auto r = client.get(next);
    if (!page(r)) {
      return;
    }
    const auto link = r.header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
  }
}

}  // namespace comments::testing
