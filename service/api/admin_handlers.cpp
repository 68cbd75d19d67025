// The moderation endpoints: authentication, then one small handler per endpoint, each a storage
// call on a read thread (store::Storage::async_call) that records its audit entry in the same
// transaction, and a cache invalidation.
#include "service/api/admin_handlers.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "service/api/blocks.hpp"
#include "service/api/formats.hpp"
#include "service/api/responses.hpp"
#include "service/log/logger.hpp"

namespace comments::api {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using store::State;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxEmail = 254;

struct Transition {
  std::string_view action;
  std::vector<State> from;
  State to;
};

// What each action may change, and into what. Repeating an action on a comment already in its
// target state succeeds and changes nothing.
const std::vector<Transition>& transitions() {
  static const std::vector<Transition> all{
      {"hide", {State::visible, State::pending}, State::hidden},
      {"unhide", {State::hidden}, State::visible},
      {"approve", {State::pending}, State::visible},
      {"delete", {State::visible, State::hidden, State::pending}, State::deleted}};
  return all;
}

// {"<key>":[items…],"next_cursor":"<id>"|null}: items holds up to limit+1 entries, the extra
// one saying that there is a next page, which starts below the last id shown.
template <typename T, typename Append>
Response page(std::string_view key, const std::vector<T>& items, std::size_t limit, Append append) {
  const bool more = items.size() > limit;
  const std::size_t n = more ? limit : items.size();
  std::string out = fmt::format("{{\"{}\":[", key);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) {
      out += ',';
    }
    append(out, items[i]);
  }
  out += "],\"next_cursor\":";
  out += more ? fmt::format("\"{}\"", items[n - 1].id) : std::string("null");
  out += '}';
  return json_response(http::status::ok, std::move(out));
}

struct Paging {
  std::int64_t before = 0;
  std::size_t limit = 0;
  std::string error;
};

Paging paging(boost::urls::params_view params, std::size_t max_page_size) {
  Paging p{0, std::min<std::size_t>(100, max_page_size), {}};
  for (const auto& q : params) {
    if (q.key == "limit") {
      auto v = parse_positive(q.value);
      if (!v || *v < 1 || static_cast<std::size_t>(*v) > max_page_size) {
        p.error = "limit must be an integer from 1 to " + std::to_string(max_page_size);
      } else {
        p.limit = static_cast<std::size_t>(*v);
      }
    } else if (q.key == "cursor") {
      auto v = parse_positive(q.value);
      if (!v || *v < 1) {
        p.error = "cursor is not one this service issued";
      } else {
        p.before = *v;
      }
    }
  }
  return p;
}

Response unauthorized(std::string_view why) {
  auto res = error_response(http::status::unauthorized, why);
  res.set(http::field::www_authenticate, "Bearer realm=\"comments-admin\"");
  return res;
}

// {"status":"SUCCESS", fields…}
Response success(const boost::json::object& fields) {
  boost::json::object o;
  o["status"] = "SUCCESS";
  for (const auto& field : fields) {
    o.emplace(field.key(), field.value());
  }
  return json_response(http::status::ok, boost::json::serialize(o));
}

store::AuditEntry audit_entry(const std::string& actor, std::string_view action,
                              std::string target) {
  return store::AuditEntry{0, now_ms(), actor, std::string(action), std::move(target)};
}

// The audit log has it (same transaction as the change); the log says it too.
void log_action(const store::AuditEntry& e) {
  log::info("admin action", {{"actor", e.actor}, {"action", e.action}, {"target", e.target}});
}

// The segments after kAdminPrefix: "comments/12/hide" → {"comments","12","hide"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(kAdminPrefix.size());
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  }
  return out;
}

}  // namespace

AdminHandlers::AdminHandlers(store::Storage& storage, ListCache& cache,
                             const moderation::Tokens& tokens, std::size_t max_page_size)
    : storage_(storage), cache_(cache), tokens_(tokens), max_page_size_(max_page_size) {}

asio::awaitable<Response> AdminHandlers::handle(const Request& req, boost::urls::url_view target) {
  const auto authorization = req[http::field::authorization];
  if (authorization.empty()) {
    co_return unauthorized("an Authorization: Bearer token is required");
  }
  auto actor = tokens_.authenticate(authorization);
  if (!actor) {
    co_return unauthorized("the bearer token is not valid");
  }
  const auto parts = segments(target.encoded_path());
  const auto method = req.method();
  auto id_of = [](std::string_view s) { return parse_positive(s).value_or(0); };

  if (parts.size() == 1 && parts[0] == "comments") {
    if (method != http::verb::get) {
      co_return method_not_allowed("GET");
    }
    co_return co_await list_comments(target.params());
  }
  if (parts.size() == 2 && parts[0] == "comments" && id_of(parts[1]) > 0) {
    if (method != http::verb::delete_) {
      co_return method_not_allowed("DELETE");
    }
    co_return co_await change(*actor, id_of(parts[1]), "delete");
  }
  if (parts.size() == 3 && parts[0] == "comments" && id_of(parts[1]) > 0 &&
      (parts[2] == "hide" || parts[2] == "unhide" || parts[2] == "approve")) {
    if (method != http::verb::post) {
      co_return method_not_allowed("POST");
    }
    co_return co_await change(*actor, id_of(parts[1]), parts[2]);
  }
  if (parts.size() == 1 && parts[0] == "blocks") {
    if (method == http::verb::get) {
      co_return co_await list_blocks();
    }
    if (method == http::verb::post) {
      co_return co_await add_block(*actor, req);
    }
    co_return method_not_allowed("GET, POST");
  }
  if (parts.size() == 2 && parts[0] == "blocks" && id_of(parts[1]) > 0) {
    if (method != http::verb::delete_) {
      co_return method_not_allowed("DELETE");
    }
    co_return co_await remove_block(*actor, id_of(parts[1]));
  }
  if (parts.size() == 1 && parts[0] == "audit") {
    if (method != http::verb::get) {
      co_return method_not_allowed("GET");
    }
    co_return co_await list_audit(target.params());
  }
  co_return error_response(http::status::not_found, "no such route");
}

asio::awaitable<Response> AdminHandlers::list_comments(boost::urls::params_view params) {
  const auto p = paging(params, max_page_size_);
  if (!p.error.empty()) {
    co_return error_response(http::status::bad_request, p.error);
  }
  store::ModerationQuery query;
  query.before_id = p.before;
  query.limit = p.limit + 1;
  for (const auto& q : params) {
    if (q.key == "state" && !q.value.empty()) {
      query.state = store::state_from_string(q.value);
      if (!query.state) {
        co_return error_response(http::status::bad_request,
                                 "state must be visible, hidden, pending or deleted");
      }
    } else if (q.key == "content_id" && !q.value.empty()) {
      query.content_id = q.value;
    }
  }
  auto op = [query](store::Backend& b) { return b.moderation_list(query); };
  auto [ec, comments] =
      co_await storage_.async_call<std::vector<store::StoredComment>>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "comments not read");
  }
  co_return page("comments", comments, p.limit, append_comment);
}

asio::awaitable<Response> AdminHandlers::change(const std::string& actor, std::int64_t id,
                                                std::string_view action) {
  const auto& all = transitions();
  const auto t = *std::find_if(all.begin(), all.end(),
                               [&](const Transition& x) { return x.action == action; });
  const auto entry = audit_entry(actor, action, fmt::format("comment {}", id));
  auto op = [id, t, entry](store::Backend& b) { return b.change_state(id, t.from, t.to, entry); };
  auto [ec, before] =
      co_await storage_.async_call<std::optional<store::StoredComment>>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "comment not changed");
  }
  if (!before) {
    co_return error_response(http::status::not_found, fmt::format("comment {} not found", id));
  }
  const bool allowed = std::find(t.from.begin(), t.from.end(), before->state) != t.from.end();
  if (!allowed && before->state != t.to) {
    co_return error_response(
        http::status::conflict,
        fmt::format("comment {} is {}: it cannot be {}", id, store::to_string(before->state),
                    action == "delete" ? "deleted" : std::string(action) + "d"));
  }
  if (allowed) {
    // After the commit: a list read before it is dropped (the cache's tickets), and other
    // replicas hear of it from the database (cache_coherence.hpp).
    cache_.invalidate(before->content_id);
    log_action(entry);
  }
  boost::json::object o;
  o["id"] = id;
  o["content_id"] = before->content_id;
  o["state"] = store::to_string(t.to);
  o["changed"] = allowed;
  co_return success(o);
}

asio::awaitable<Response> AdminHandlers::list_blocks() {
  auto op = [](store::Backend& b) { return b.blocks(); };
  auto [ec, blocks] =
      co_await storage_.async_call<std::vector<store::Block>>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "blocks not read");
  }
  std::string out = "{\"blocks\":[";
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    append_block(out, blocks[i]);
  }
  out += "]}";
  co_return json_response(http::status::ok, std::move(out));
}

asio::awaitable<Response> AdminHandlers::add_block(const std::string& actor, const Request& req) {
  boost::system::error_code jec;
  auto value = boost::json::parse(req.body(), jec);
  const auto* o = jec ? nullptr : value.if_object();
  constexpr std::string_view kShape =
      "the body must be a JSON object with one string field, \"email\" or \"address\"";
  if (o == nullptr || o->size() != 1) {
    co_return error_response(http::status::bad_request, kShape);
  }
  store::Block block;
  block.created_at_ms = now_ms();
  if (const auto* e = o->if_contains("email"); e != nullptr && e->is_string()) {
    block.kind = "email";
    block.value = normalize_email(std::string_view(e->get_string()));
    if (block.value.empty() || block.value.size() > kMaxEmail) {
      co_return error_response(http::status::bad_request, "email must be 1-254 characters");
    }
  } else if (const auto* a = o->if_contains("address"); a != nullptr && a->is_string()) {
    auto canonical = canonical_address(std::string_view(a->get_string()));
    if (!canonical) {
      co_return error_response(http::status::bad_request,
                               "address must be an IPv4 or IPv6 address");
    }
    block.kind = "address";
    block.value = *canonical;
  } else {
    co_return error_response(http::status::bad_request, kShape);
  }
  const auto entry = audit_entry(actor, "block", block.kind + " " + block.value);
  auto op = [block, entry](store::Backend& b) { return b.add_block(block, entry); };
  auto [ec, added] = co_await storage_.async_call<store::Block>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "block not saved");
  }
  log_action(entry);
  std::string out;
  append_block(out, added);
  co_return json_response(http::status::created, std::move(out));
}

asio::awaitable<Response> AdminHandlers::remove_block(const std::string& actor, std::int64_t id) {
  const auto entry = audit_entry(actor, "unblock", fmt::format("block {}", id));
  auto op = [id, entry](store::Backend& b) { return b.remove_block(id, entry); };
  auto [ec, removed] = co_await storage_.async_call<bool>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "block not removed");
  }
  if (!removed) {
    co_return error_response(http::status::not_found, fmt::format("block {} not found", id));
  }
  log_action(entry);
  boost::json::object o;
  o["id"] = id;
  co_return success(o);
}

asio::awaitable<Response> AdminHandlers::list_audit(boost::urls::params_view params) {
  const auto p = paging(params, max_page_size_);
  if (!p.error.empty()) {
    co_return error_response(http::status::bad_request, p.error);
  }
  auto op = [p](store::Backend& b) { return b.audit(p.before, p.limit + 1); };
  auto [ec, entries] =
      co_await storage_.async_call<std::vector<store::AuditEntry>>(std::move(op), kAwait);
  if (ec) {
    co_return unavailable(ec, "audit log not read");
  }
  co_return page("entries", entries, p.limit, append_audit);
}

}  // namespace comments::api
