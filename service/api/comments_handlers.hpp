// The original API: POST /api/comment/new and GET|HEAD /api/comment/list/{content_id}.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/url/params_view.hpp>

#include "service/api/list_cache.hpp"
#include "service/api/types.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/storage.hpp"

namespace comments::api {

class CommentsHandlers {
 public:
  CommentsHandlers(store::Storage& storage, ListCache& cache, metrics::Metrics& metrics,
                   std::size_t max_page_size);

  boost::asio::awaitable<Response> create(const Request& req);
  // content_id is already decoded and validated; req is read for If-None-Match.
  boost::asio::awaitable<Response> list(std::string content_id, boost::urls::params_view params,
                                        const Request& req);

 private:
  store::Storage& storage_;
  ListCache& cache_;
  metrics::Metrics& metrics_;
  std::size_t max_page_size_;
};

}  // namespace comments::api
