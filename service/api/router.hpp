// Maps a request to its route and handler; every failure becomes a JSON error response.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "service/api/admin_handlers.hpp"
#include "service/api/comments_handlers.hpp"
#include "service/api/ops_handlers.hpp"
#include "service/api/types.hpp"

namespace comments::api {

// The route a target would match, from its path alone (for labelling answers given before routing).
Route route_of(std::string_view target);
// The methods a route takes, as an Allow header lists them ("GET, HEAD").
std::string_view allowed_methods(Route route);

// Which routes a listener serves: the public port the API and the widget's files (and, unless
// turned off, the operator endpoints), the admin port only the operator endpoints. Anything else
// is 404.
struct Scope {
  bool api = true;
  bool ops = true;
};

class Router {
 public:
  // admin: the moderation API under /api/admin/ (with the API scope); nullptr: it answers 404.
  Router(CommentsHandlers& comments, OpsHandlers& ops, Scope scope = {},
         AdminHandlers* admin = nullptr);
  // Never throws: exceptions from handlers become 500 responses. client: where the request comes
  // from (http/client_address.hpp).
  boost::asio::awaitable<Handled> handle(const Request& req, boost::asio::ip::address client = {});
  [[nodiscard]] Scope scope() const { return scope_; }

 private:
  boost::asio::awaitable<Handled> dispatch(const Request& req, boost::asio::ip::address client);

  CommentsHandlers& comments_;
  OpsHandlers& ops_;
  Scope scope_;
  AdminHandlers* admin_;
};

}  // namespace comments::api
