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

}  // namespace

const Asset* find(std::string_view path) {
  if (!path.starts_with('/')) {
    return nullptr;
  }
  path.remove_prefix(1);
  for (const auto& a : assets()) {
    if (a.name == path) {
      return &a;
    }
  }
  return nullptr;
}

std::string entity_tag(const Asset& asset) { return "\"" + std::string(asset.version) + "\""; }

api::Response serve(const Asset& asset, std::string_view version, bool not_modified) {
  api::Response res{not_modified ? http::status::not_modified : http::status::ok, 11};
  res.set(http::field::etag, entity_tag(asset));
  res.set(http::field::cache_control, version == asset.version ? kImmutable : kShort);
  if (!not_modified) {
    res.set(http::field::content_type, asset.content_type);
    res.body().assign(asset.body);
  }
  return res;
}

}  // namespace comments::web
