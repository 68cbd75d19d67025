// libFuzzer target for the HTTP request path: bytes → the session's framing checks
// (http/framing.hpp) → Beast's request parser (the session's limits) → the real api::Router with
// validation, a memory backend and store::Storage → response.
// Traps on a response a client could not rely on: no Content-Type, a body that is not the JSON
// the API documents (or, for a web file, not that file with its type), a status outside the
// documented set (500 means a handler threw).
// Each input gets its own stack, whose threads are joined before the input returns: libFuzzer's
// leak check after an input then runs with none of our threads at work, and an input's outcome
// does not depend on the inputs before it (docs/reliability.md, "the leak report").
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "service/api/comments_handlers.hpp"
#include "service/api/list_cache.hpp"
#include "service/api/ops_handlers.hpp"
#include "service/api/router.hpp"
#include "service/http/framing.hpp"
#include "service/log/logger.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/memory_backend.hpp"
#include "service/store/storage.hpp"
#include "service/web/assets.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace comments;

// The default MAX_BODY_BYTES http/session.cpp reads bodies under.
constexpr std::size_t kBodyLimit = 64 * 1024;
// Pipelined requests handled from one input, as one keep-alive connection would.
constexpr int kMaxRequests = 8;

[[noreturn]] void fail(const char* what, const api::Request& req, const api::Response& res) {
  std::fprintf(stderr, "invariant broken: %s\nrequest: %s %s\nresponse: %u %s\n", what,
               std::string(req.method_string()).c_str(), std::string(req.target()).c_str(),
               res.result_int(), res.body().substr(0, 512).c_str());
  std::abort();
}

metrics::Metrics& shared_metrics() {
  static metrics::Metrics m({api::kRouteTemplates.begin(), api::kRouteTemplates.end()}, "fuzz",
                            "fuzz");
  return m;
}

// What main.cpp wires together, minus the network.
struct Stack {
  Stack()
      : storage(std::make_unique<store::MemoryBackend>(), {.read_threads = 1}, shared_metrics()),
        cache(1024 * 1024),
        comments(storage, cache, shared_metrics(), 50),
        ops(storage, readiness, shared_metrics()),
        router(comments, ops) {
    storage.on_commit([this](std::span<const store::NewComment> batch) {
      for (const auto& n : batch) {
        cache.invalidate(n.content_id);
      }
    });
    // As a running service is after its first health check (the health thread pings at once);
    // a hang here is caught by libFuzzer's -timeout.
    while (!storage.healthy()) {
      std::this_thread::yield();
    }
  }
  // Joins the writer, health and reader threads.
  ~Stack() { storage.stop(); }

  store::Storage storage;
  api::ListCache cache;
  api::Readiness readiness;
  api::CommentsHandlers comments;
  api::OpsHandlers ops;
  api::Router router;
};

api::Handled handle(Stack& stack, const api::Request& req) {
  static asio::io_context ioc{1};
  std::optional<api::Handled> out;
  asio::co_spawn(ioc, stack.router.handle(req), [&](std::exception_ptr e, api::Handled h) {
    if (e) {
      std::fprintf(stderr, "Router::handle let an exception escape\n");
      std::abort();
    }
    out = std::move(h);
  });
  ioc.run();
  ioc.restart();
  if (!out) {
    std::fprintf(stderr, "Router::handle never completed\n");
    std::abort();
  }
  return std::move(*out);
}

void check(const api::Request& req, const api::Handled& handled) {
  static const std::set<unsigned> kDocumented{200, 400, 404, 405, 415};
  const auto& res = handled.response;
  // /readyz answers 503 until storage's first health check passed, and while draining.
  const bool not_ready =
      handled.route == api::Route::readyz && res.result() == bhttp::status::service_unavailable;
  if (!kDocumented.contains(res.result_int()) && !not_ready) {
    fail("status outside the documented set", req, res);
  }
  const auto type = res[bhttp::field::content_type];
  if (type.empty()) {
    fail("no Content-Type", req, res);
  }
  if (handled.route == api::Route::metrics && res.result() == bhttp::status::ok) {
    return;  // Prometheus text, not JSON
  }
  if (handled.route == api::Route::asset && res.result() == bhttp::status::ok) {
    // An embedded web file (the widget, the moderation page): its own type and its own bytes.
    const auto* asset = web::find(
        std::string_view(req.target()).substr(0, std::string_view(req.target()).find('?')));
    if (asset == nullptr || type != asset->content_type || res.body() != asset->body) {
      fail("a web file answered with another type or body than its own", req, res);
    }
    return;
  }
  if (type != "application/json") {
    fail("Content-Type is not application/json", req, res);
  }
  boost::system::error_code ec;
  const auto body = boost::json::parse(res.body(), ec);
  if (ec) {
    fail("body is not JSON", req, res);
  }
  if (res.result() != bhttp::status::ok) {
    const auto* o = body.if_object();
    if (o == nullptr || !o->contains("status") || !o->at("status").is_string() ||
        !o->contains("message") || !o->at("message").is_string()) {
      fail("error body is not {\"status\",\"message\"}", req, res);
    }
  }
  if (res.result() == bhttp::status::method_not_allowed && res[bhttp::field::allow].empty()) {
    fail("405 without Allow", req, res);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::init(log::Level::error, config::LogFormat::text);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Built for the first request that reaches the router, destroyed (threads joined) on return.
  std::optional<Stack> stack;
  std::size_t off = 0;
  for (int n = 0; n < kMaxRequests && off < size; ++n) {
    // The session refuses (400) a head whose framing is ambiguous before Beast sees it.
    const std::string_view rest(reinterpret_cast<const char*>(data + off), size - off);
    const auto head = http::HeadScanner().scan(rest);
    if (!head.error.empty() || head.length == 0 || head.length > http::kMaxHeadBytes ||
        !http::check_request_head(rest.substr(0, head.length)).empty()) {
      return 0;
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(http::kMaxHeadBytes);
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done()) {
      const std::size_t used = parser.put(asio::buffer(data + off, size - off), ec);
      off += used;
      if (ec == bhttp::error::need_more && used > 0 && off < size) {
        ec = {};
        continue;
      }
      if (ec || used == 0) {
        return 0;  // incomplete or malformed: the session answers 4xx or closes, no routing
      }
    }
    const api::Request req = parser.release();
    if (!stack) {
      stack.emplace();
    }
    check(req, handle(*stack, req));
  }
  return 0;
}
