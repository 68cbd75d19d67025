// Serving the embedded web files: headers for caching and conditional GETs (RFC 9110, 9111);
// the router decides whether If-None-Match names the file (api/revalidation.hpp).
#include <boost/beast/http/field.hpp>

#include "service/web/assets.hpp"

namespace comments::web {
namespace {

namespace http = boost::beast::http;

// Long enough that a versioned URL never needs asking again; short enough for a new release of
// the unversioned /embed.js to reach every page within minutes.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kShort = "public, max-age=300";
constexpr std::string_view kPage = "no-cache";
constexpr std::string_view kHtml = ".html";

// A page may load its own files and call its own origin, nothing else: no inline script or
// style, no plugins, no framing (clickjacking a moderator), no form posting elsewhere.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

bool is_page(const Asset& asset) { return asset.name.ends_with(kHtml); }

}  // namespace

const Asset* find(std::string_view path) {
  if (!path.starts_with('/')) {
    return nullptr;
  }
  path.remove_prefix(1);
  for (const auto& a : assets()) {
    const auto served = is_page(a) ? a.name.substr(0, a.name.size() - kHtml.size()) : a.name;
    if (served == path) {
      return &a;
    }
  }
  return nullptr;
}

bool is_moderation(const Asset& asset) { return asset.name.starts_with("admin."); }

std::string entity_tag(const Asset& asset) { return "\"" + std::string(asset.version) + "\""; }

api::Response serve(const Asset& asset, std::string_view version, bool not_modified) {
  api::Response res{not_modified ? http::status::not_modified : http::status::ok, 11};
  res.set(http::field::etag, entity_tag(asset));
  if (is_page(asset)) {
    res.set(http::field::cache_control, kPage);
    res.set("Content-Security-Policy", kPagePolicy);
    res.set("Referrer-Policy", "no-referrer");
  } else {
    res.set(http::field::cache_control, version == asset.version ? kImmutable : kShort);
  }
  if (!not_modified) {
    res.set(http::field::content_type, asset.content_type);
    res.body().assign(asset.body);
  }
  return res;
}

}  // namespace comments::web
