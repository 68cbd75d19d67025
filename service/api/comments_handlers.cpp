// Creating and listing comments. Lists are served from the cache when they can be; pagination
// bounds every response (limit ≤ max page size, an opaque cursor, a Link rel="next" header).
#include "service/api/comments_handlers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <charconv>
#include <chrono>
#include <ctime>

#include "service/api/blocks.hpp"
#include "service/api/emails.hpp"
#include "service/api/formats.hpp"
#include "service/api/responses.hpp"
#include "service/api/revalidation.hpp"
#include "service/api/validation.hpp"

namespace comments::api {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::string serialize(const std::vector<store::Comment>& comments, std::size_t count,
                      config::EmailVisibility visibility) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) {
    const auto& c = comments[i];
    if (i > 0) {
      out += ',';
    }
    fmt::format_to(std::back_inserter(out), "{{\"id\":{},", c.id);
    append_email(out, c.email, visibility);
    out += "\"comment\":";
    append_json_string(out, c.text);
    out += ",\"created_at\":";
    append_timestamp(out, c.created_at_ms);
    out += '}';
  }
  out += ']';
  return out;
}

// Lists may change at any time: caches (browsers, CDNs) keep them but ask before each use.
constexpr std::string_view kRevalidate = "no-cache";

// A list answer: 304 without a body when the client holds this list already, else the list.
Response list_answer(const CachedList& list, const Request& req) {
  if (none_match_hits(req, list.etag)) {
    Response res{http::status::not_modified, 11};
    res.set(http::field::etag, list.etag);
    res.set(http::field::cache_control, kRevalidate);
    return res;
  }
  auto res = json_response(http::status::ok, list.body);
  if (!list.link.empty()) {
    res.set(http::field::link, list.link);
  }
  res.set(http::field::etag, list.etag);
  res.set(http::field::cache_control, kRevalidate);
  return res;
}

// The most contents one count request may name.
constexpr std::size_t kMaxCountIds = 100;

// The per-address limit's key: the first 16 bytes of the address's digest, so that every
// spelling of one address ("A@x.org ", "a@x.org") shares one bucket.
comments::http::ClientKey email_key(std::string_view email) {
  const auto digest = email_digest(email);
  comments::http::ClientKey key{};
  std::copy_n(digest.begin(), key.size(), key.begin());
  return key;
}

}  // namespace

CommentsHandlers::CommentsHandlers(store::Storage& storage, ListCache& cache,
                                   metrics::Metrics& metrics, std::size_t max_page_size,
                                   SitePolicy policy)
    : storage_(storage),
      cache_(cache),
      metrics_(metrics),
      max_page_size_(max_page_size),
      policy_(policy),
      // N per minute: a bucket of N, refilled at N/60 per second.
      posts_per_email_(policy.max_posts_per_email / 60.0, policy.max_posts_per_email) {}

asio::awaitable<Response> CommentsHandlers::create(const Request& req, asio::ip::address client) {
  // application/json, optionally with parameters such as charset=utf-8.
  auto type = req[http::field::content_type];
  auto semi = type.find(';');
  auto media = type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') {
    media.remove_suffix(1);
  }
  if (!boost::beast::iequals(media, kJsonType)) {
    co_return error_response(http::status::unsupported_media_type,
                             "Content-Type must be application/json");
  }
  auto parsed = parse_new_comment(req.body());
  if (auto* err = std::get_if<BodyError>(&parsed)) {
    co_return error_response(http::status::bad_request, err->message);
  }
  auto comment = std::get<store::NewComment>(std::move(parsed));
  if (policy_.max_links_per_comment > 0) {
    if (const auto links = count_links(comment.text); links > policy_.max_links_per_comment) {
      co_return error_response(http::status::unprocessable_entity,
                               "comment holds " + std::to_string(links) + " links; at most " +
                                   std::to_string(policy_.max_links_per_comment) + " are allowed");
    }
  }
  // Last of the checks: a comment refused for another reason costs the address nothing.
  if (const auto verdict = posts_per_email_.admit(email_key(comment.email)); !verdict.allowed) {
    metrics_.requests_rate_limited().Increment();
    const auto retry = std::to_string(verdict.retry_after_seconds);
    auto res =
        error_response(http::status::too_many_requests,
                       "too many comments from this e-mail address; retry after " + retry + " s");
    res.set(http::field::retry_after, retry);
    co_return res;
  }
  comment.created_at_ms = now_ms();
  // The storage refuses (errc::blocked) a comment whose poster a block names, in the same
  // transaction that would store it.
  comment.poster = {normalize_email(comment.email), canonical_address(client)};
  comment.state = policy_.pre_moderation ? store::State::pending : store::State::visible;
  std::string content_id = comment.content_id;
  auto [ec, id] =
      co_await storage_.async_append(std::move(comment), asio::as_tuple(asio::use_awaitable));
  if (ec == store::errc::blocked) {
    co_return error_response(http::status::forbidden, "posting is blocked for this poster");
  }
  if (ec) {
    co_return unavailable(ec, "comment not saved");
  }
  metrics_.comments_created().Increment();
  boost::json::object o;
  o["status"] = "SUCCESS";
  o["message"] = "comment created and associated with content_id " + content_id;
  o["id"] = id;
  if (policy_.pre_moderation) {
    o["message"] = "comment received for content_id " + content_id +
                   "; it awaits moderation and is listed once approved";
    o["state"] = "pending";
  }
  co_return json_response(http::status::ok, boost::json::serialize(o));
}

asio::awaitable<Response> CommentsHandlers::list(std::string content_id,
                                                 boost::urls::params_view params,
                                                 const Request& req) {
  std::size_t limit = max_page_size_;
  std::int64_t after = 0;
  bool plain = true;  // no limit, no cursor: the original API's request, the one we cache
  for (const auto& p : params) {
    if (p.key == "limit") {
      auto v = parse_positive(p.value);
      if (!v || *v < 1 || static_cast<std::size_t>(*v) > max_page_size_) {
        co_return error_response(http::status::bad_request, "limit must be an integer from 1 to " +
                                                                std::to_string(max_page_size_));
      }
      limit = static_cast<std::size_t>(*v);
      plain = false;
    } else if (p.key == "cursor") {
      auto v = parse_positive(p.value);
      if (!v) {
        co_return error_response(http::status::bad_request,
                                 "cursor is not one this service issued");
      }
      after = *v;
      plain = false;
    }
  }

  if (plain) {
    if (auto hit = cache_.get(content_id)) {
      co_return list_answer(*hit, req);
    }
  }
  const std::uint64_t ticket = plain ? cache_.ticket(content_id) : 0;
  auto [ec, page] = co_await storage_.async_list(content_id, after, limit + 1,
                                                 asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return unavailable(ec, "comments not read");
  }
  if (page.comments.empty()) {
    bool exists = false;
    if (after > 0) {
      auto [ec2, first] =
          co_await storage_.async_list(content_id, 0, 1, asio::as_tuple(asio::use_awaitable));
      if (ec2) {
        co_return unavailable(ec2, "comments not read");
      }
      exists = !first.comments.empty();
    }
    if (!exists) {
      auto res = error_response(http::status::not_found, "content_id " + content_id + " not found");
      res.set(http::field::cache_control, kRevalidate);
      co_return res;
    }
  }
  const bool more = page.comments.size() > limit;
  const std::size_t count = more ? limit : page.comments.size();
  auto entry = std::make_shared<CachedList>();
  entry->body = serialize(page.comments, count, policy_.email_visibility);
  entry->size = count;
  if (more) {
    entry->link = fmt::format("</api/comment/list/{}?limit={}&cursor={}>; rel=\"next\"", content_id,
                              limit, page.comments[count - 1].id);
  }
  entry->etag = entity_tag(entry->body, entry->link);
  auto res = list_answer(*entry, req);
  if (plain) {
    cache_.put(content_id, ticket, std::move(entry));
  }
  co_return res;
}

asio::awaitable<Response> CommentsHandlers::count(boost::urls::params_view params) {
  std::vector<std::string> ids;  // in request order, without repeats
  std::size_t named = 0;
  for (const auto& p : params) {
    if (p.key != "content_id") {
      continue;
    }
    if (++named > kMaxCountIds) {
      co_return error_response(
          http::status::bad_request,
          "at most " + std::to_string(kMaxCountIds) + " content_id parameters per request");
    }
    if (!valid_content_id(p.value)) {
      co_return error_response(
          http::status::bad_request,
          "content_id must be 1-128 characters of letters, digits and . _ ~ : -");
    }
    if (std::find(ids.begin(), ids.end(), p.value) == ids.end()) {
      ids.push_back(p.value);
    }
  }
  if (ids.empty()) {
    co_return error_response(http::status::bad_request,
                             "name at least one content: /api/comment/count?content_id=1");
  }
  // A cached list that is complete (no next page) is its content's count; the rest is read in
  // one query.
  std::vector<std::int64_t> counts(ids.size(), -1);
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (auto hit = cache_.get(ids[i]); hit && hit->link.empty()) {
      counts[i] = static_cast<std::int64_t>(hit->size);
    } else {
      missing.push_back(ids[i]);
    }
  }
  if (!missing.empty()) {
    auto [ec, read] =
        co_await storage_.async_count(std::move(missing), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return unavailable(ec, "comments not counted");
    }
    auto next = read.begin();
    for (auto& c : counts) {
      if (c < 0) {
        c = *next++;
      }
    }
  }
  boost::json::object out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out[ids[i]] = counts[i];
  }
  auto res = json_response(http::status::ok, boost::json::serialize(out));
  res.set(http::field::cache_control, kRevalidate);
  co_return res;
}

}  // namespace comments::api
