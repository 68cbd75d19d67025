// Maps a request to its route and handler; every failure becomes a JSON error response.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "service/api/comments_handlers.hpp"
#include "service/api/ops_handlers.hpp"
#include "service/api/types.hpp"

namespace comments::api {

// The route a target would match, from its path alone (for labelling answers given before routing).
Route route_of(std::string_view target);

class Router {
 public:
  Router(CommentsHandlers& comments, OpsHandlers& ops);
  // Never throws: exceptions from handlers become 500 responses.
  boost::asio::awaitable<Handled> handle(const Request& req);

 private:
  boost::asio::awaitable<Handled> dispatch(const Request& req);

  CommentsHandlers& comments_;
  OpsHandlers& ops_;
};

}  // namespace comments::api
