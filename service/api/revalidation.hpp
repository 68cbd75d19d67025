// HTTP revalidation of lists: the strong entity tag of a list response, and whether a request's
// If-None-Match names it (then the answer is a 304 without a body).
#pragma once

#include <string>
#include <string_view>

#include "service/api/types.hpp"

namespace comments::api {

// A strong ETag, quoted: a digest of everything a list response varies by (its body and its
// Link header), so it changes exactly when the list does, and replicas that hold the same list
// give the same tag.
std::string entity_tag(std::string_view body, std::string_view link);

// Whether any If-None-Match field of req matches etag: "*", or a listed tag equal to it by the
// weak comparison RFC 9110 prescribes for If-None-Match (a W/ prefix is ignored). A malformed
// list matches nothing, so the client gets the full answer.
bool none_match_hits(const Request& req, std::string_view etag);

}  // namespace comments::api
