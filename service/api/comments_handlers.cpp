// Creating and listing comments. Lists are served from the cache when they can be; pagination
// bounds every response (limit ≤ max page size, an opaque cursor, a Link rel="next" header).
#include "service/api/comments_handlers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fmt/format.h>

#include "service/api/responses.hpp"
#include "service/api/revalidation.hpp"
#include "service/api/validation.hpp"

namespace comments::api {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void append_timestamp(std::string& out, std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  fmt::format_to(std::back_inserter(out), "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ms % 1000);
}

void append_json_string(std::string& out, const std::string& s) {
  out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

std::string serialize(const std::vector<store::Comment>& comments, std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) {
    const auto& c = comments[i];
    if (i > 0) {
      out += ',';
    }
    fmt::format_to(std::back_inserter(out), "{{\"id\":{},\"email\":", c.id);
    append_json_string(out, c.email);
    out += ",\"comment\":";
    append_json_string(out, c.text);
    out += ",\"created_at\":";
    append_timestamp(out, c.created_at_ms);
    out += '}';
  }
  out += ']';
  return out;
}

std::optional<std::int64_t> parse_positive(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
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

Response unavailable(const boost::system::error_code& ec, std::string_view what) {
  auto res = error_response(http::status::service_unavailable,
                            std::string(what) + ": " + ec.message() + "; retry later");
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace

CommentsHandlers::CommentsHandlers(store::Storage& storage, ListCache& cache,
                                   metrics::Metrics& metrics, std::size_t max_page_size)
    : storage_(storage), cache_(cache), metrics_(metrics), max_page_size_(max_page_size) {}

asio::awaitable<Response> CommentsHandlers::create(const Request& req) {
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
  comment.created_at_ms = now_ms();
  std::string content_id = comment.content_id;
  auto [ec, id] =
      co_await storage_.async_append(std::move(comment), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return unavailable(ec, "comment not saved");
  }
  metrics_.comments_created().Increment();
  boost::json::object o;
  o["status"] = "SUCCESS";
  o["message"] = "comment created and associated with content_id " + content_id;
  o["id"] = id;
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
        co_return error_response(http::status::bad_request,
                                 "limit must be an integer from 1 to " + std::to_string(max_page_size_));
      }
      limit = static_cast<std::size_t>(*v);
      plain = false;
    } else if (p.key == "cursor") {
      auto v = parse_positive(p.value);
      if (!v) {
        co_return error_response(http::status::bad_request, "cursor is not one this service issued");
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
  entry->body = serialize(page.comments, count);
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

}  // namespace comments::api
