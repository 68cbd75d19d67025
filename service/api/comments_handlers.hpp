// The original API: POST /api/comment/new and GET|HEAD /api/comment/list/{content_id}, and
// GET|HEAD /api/comment/count (comments per content, for article pages).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/url/params_view.hpp>

#include "service/api/list_cache.hpp"
#include "service/api/types.hpp"
#include "service/config/settings.hpp"
#include "service/http/rate_limiter.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/storage.hpp"

namespace comments::api {

// What a site owner decides about comments (from the settings of the same names).
struct SitePolicy {
  config::EmailVisibility email_visibility = config::EmailVisibility::shown;
  unsigned max_posts_per_email = 0;    // per minute and address; 0: off
  unsigned max_links_per_comment = 0;  // 0: no limit
  bool pre_moderation = false;         // new comments are stored pending, listed once approved
};

class CommentsHandlers {
 public:
  CommentsHandlers(store::Storage& storage, ListCache& cache, metrics::Metrics& metrics,
                   std::size_t max_page_size, SitePolicy policy = {});

  // client: the address the request comes from (http/client_address.hpp), checked against blocks.
  boost::asio::awaitable<Response> create(const Request& req, boost::asio::ip::address client = {});
  // content_id is already decoded and validated; req is read for If-None-Match.
  boost::asio::awaitable<Response> list(std::string content_id, boost::urls::params_view params,
                                        const Request& req);
  // ?content_id=1&content_id=2 → {"1":3,"2":0}.
  boost::asio::awaitable<Response> count(boost::urls::params_view params);

 private:
  store::Storage& storage_;
  ListCache& cache_;
  metrics::Metrics& metrics_;
  std::size_t max_page_size_;
  SitePolicy policy_;
  ::comments::http::RateLimiter posts_per_email_;  // keyed by the address's digest
};

}  // namespace comments::api
