// The web files compiled into the service (the comments widget and its stylesheet, the moderation
// page and its files), and how they are served: Content-Type, a strong ETag from their content,
// immutable caching by versioned URL, a strict Content-Security-Policy on pages.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "service/api/types.hpp"

namespace comments::web {

struct Asset {
  std::string_view name;  // served at "/" + name; a page (NAME.html) at "/NAME"

  std::string_view content_type;
  std::string_view body;
  std::string_view version;  // 16 hex digits of the body's SHA-256: ETag and ?v=
};

// Every embedded file (generated at build time by cmake/EmbedAssets.cmake).
std::span<const Asset> assets();

// The asset served at this path ("/embed.js", "/admin"), if any.
const Asset* find(std::string_view path);

// Whether the asset belongs to the moderation page (admin.*): served only while the moderation
// API is (the service has an admin token file), otherwise 404 like the API.
bool is_moderation(const Asset& asset);

// The asset's strong ETag, quoted: its version.
std::string entity_tag(const Asset& asset);

// The answer to a GET or HEAD of an asset. `version` is the request's ?v= (empty when absent):
// when it names this content the answer may be cached for a year, otherwise briefly. A page is
// revalidated on every load (it names the versions of its files) and carries its CSP.
// not_modified (the request's If-None-Match names the ETag): 304 without a body.
api::Response serve(const Asset& asset, std::string_view version, bool not_modified);

}  // namespace comments::web
