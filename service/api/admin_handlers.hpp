// The moderation API under /api/admin/: list comments in every state, hide, unhide, approve and
// delete them, block posters, read the audit log. Every request needs a moderator's bearer token;
// every change is recorded with the token's name (in its own transaction) and drops the content's
// cached list.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/url/url_view.hpp>

#include "service/api/list_cache.hpp"
#include "service/api/types.hpp"
#include "service/moderation/tokens.hpp"
#include "service/store/storage.hpp"

namespace comments::api {

inline constexpr std::string_view kAdminPrefix = "/api/admin/";

class AdminHandlers {
 public:
  AdminHandlers(store::Storage& storage, ListCache& cache, const moderation::Tokens& tokens,
                std::size_t max_page_size);

  // Any path under kAdminPrefix (target already parsed).
  boost::asio::awaitable<Response> handle(const Request& req, boost::urls::url_view target);

 private:
  boost::asio::awaitable<Response> list_comments(boost::urls::params_view params);
  boost::asio::awaitable<Response> change(const std::string& actor, std::int64_t id,
                                          std::string_view action);
  boost::asio::awaitable<Response> list_blocks();
  boost::asio::awaitable<Response> add_block(const std::string& actor, const Request& req);
  boost::asio::awaitable<Response> remove_block(const std::string& actor, std::int64_t id);
  boost::asio::awaitable<Response> list_audit(boost::urls::params_view params);

  store::Storage& storage_;
  ListCache& cache_;
  const moderation::Tokens& tokens_;
  std::size_t max_page_size_;
};

}  // namespace comments::api
