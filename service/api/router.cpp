// Routing by exact path (and one path parameter), methods checked per route (405 with Allow).
#include "service/api/router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include "service/api/responses.hpp"
#include "service/api/revalidation.hpp"
#include "service/api/validation.hpp"
#include "service/log/logger.hpp"
#include "service/web/assets.hpp"

namespace comments::api {
namespace {

namespace http = boost::beast::http;
constexpr std::string_view kListPrefix = "/api/comment/list/";
constexpr std::string_view kCountPath = "/api/comment/count";

bool is_get_or_head(http::verb v) { return v == http::verb::get || v == http::verb::head; }

}  // namespace

Route route_of(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  if (path == "/api/comment/new") {
    return Route::comment_new;
  }
  if (path.starts_with(kListPrefix)) {
    return Route::comment_list;
  }
  if (path == kCountPath) {
    return Route::comment_count;
  }
  if (path.starts_with(kAdminPrefix)) {
    return Route::admin;
  }
  return Route::unmatched;
}

std::string_view allowed_methods(Route route) {
  return route == Route::comment_new ? "POST" : "GET, HEAD";
}

Router::Router(CommentsHandlers& comments, OpsHandlers& ops, Scope scope, AdminHandlers* admin)
    : comments_(comments), ops_(ops), scope_(scope), admin_(admin) {}

boost::asio::awaitable<Handled> Router::handle(const Request& req,
                                               boost::asio::ip::address client) {
  std::string failure;
  try {
    Handled handled = co_await dispatch(req, client);
    co_return handled;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  log::error("request failed", {{"error", failure}});
  co_return Handled{error_response(http::status::internal_server_error, "internal error"),
                    Route::unmatched};
}

boost::asio::awaitable<Handled> Router::dispatch(const Request& req,
                                                 boost::asio::ip::address client) {
  auto target = boost::urls::parse_origin_form(req.target());
  if (!target) {
    co_return Handled{error_response(http::status::bad_request, "malformed request target"),
                      Route::unmatched};
  }
  const auto path = std::string_view(target->encoded_path());
  const auto method = req.method();

  if (!scope_.api && path.starts_with("/api/")) {
    co_return Handled{error_response(http::status::not_found, "no such route"), Route::unmatched};
  }
  if (path == "/api/comment/new") {
    if (method != http::verb::post) {
      co_return Handled{method_not_allowed(allowed_methods(Route::comment_new)),
                        Route::comment_new};
    }
    // Awaiting inside a braced initialiser miscompiles with GCC 12: await into a variable first.
    Response res = co_await comments_.create(req, client);
    co_return Handled{std::move(res), Route::comment_new};
  }

  if (path == kCountPath) {
    if (!is_get_or_head(method)) {
      co_return Handled{method_not_allowed("GET, HEAD"), Route::comment_count};
    }
    Response res = co_await comments_.count(target->params());
    co_return Handled{std::move(res), Route::comment_count};
  }

  if (path.starts_with(kListPrefix)) {
    const auto raw = path.substr(kListPrefix.size());
    if (!raw.empty() && raw.find('/') == std::string_view::npos) {
      if (!is_get_or_head(method)) {
        co_return Handled{method_not_allowed(allowed_methods(Route::comment_list)),
                          Route::comment_list};
      }
      auto pct = boost::urls::make_pct_string_view(raw);
      std::string id = pct ? pct->decode() : std::string();
      if (!pct || !valid_content_id(id)) {
        co_return Handled{
            error_response(http::status::bad_request,
                           "content_id must be 1-128 characters of letters, digits and . _ ~ : -"),
            Route::comment_list};
      }
      Response res = co_await comments_.list(std::move(id), target->params(), req);
      co_return Handled{std::move(res), Route::comment_list};
    }
  }

  // Without a token file there is no moderation API: the same 404 as any unknown path.
  if (admin_ != nullptr && path.starts_with(kAdminPrefix)) {
    Response res = co_await admin_->handle(req, *target);
    co_return Handled{std::move(res), Route::admin};
  }

  struct Op {
    std::string_view path;
    Route route;
    Response (OpsHandlers::*handler)() const;
  };
  static constexpr std::array<Op, 4> kOps{{{"/healthz", Route::healthz, &OpsHandlers::healthz},
                                           {"/readyz", Route::readyz, &OpsHandlers::readyz},
                                           {"/version", Route::version, &OpsHandlers::version},
                                           {"/metrics", Route::metrics, &OpsHandlers::metrics}}};
  for (const auto& op : kOps) {
    if (scope_.ops && path == op.path) {
      if (!is_get_or_head(method)) {
        co_return Handled{method_not_allowed(allowed_methods(op.route)), op.route};
      }
      co_return Handled{(ops_.*op.handler)(), op.route};
    }
  }
  // The widget's files go with the API: a page embedding it calls the public port, never the
  // admin listener. The moderation page goes with the moderation API: 404 without a token file.
  const auto* asset = scope_.api ? web::find(path) : nullptr;
  if (asset != nullptr && web::is_moderation(*asset) && admin_ == nullptr) {
    asset = nullptr;
  }
  if (asset != nullptr) {
    if (!is_get_or_head(method)) {
      co_return Handled{method_not_allowed(allowed_methods(Route::asset)), Route::asset};
    }
    std::string version;
    if (auto v = target->params().find("v"); v != target->params().end()) {
      version = (*v).value;
    }
    const bool not_modified = none_match_hits(req, web::entity_tag(*asset));
    co_return Handled{web::serve(*asset, version, not_modified), Route::asset};
  }
  co_return Handled{error_response(http::status::not_found, "no such route"), Route::unmatched};
}

}  // namespace comments::api
