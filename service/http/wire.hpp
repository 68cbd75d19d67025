// A response as the bytes sent on the wire, in one contiguous buffer: the same bytes Beast's
// serializer produces for a response with a Content-Length (status line, fields in order, empty
// line, body), so a keep-alive answer is one send of one buffer. Beast's serializer walks a
// concatenation of every field's buffer on each send, which perf showed as ~8% of a cached GET.
#pragma once

#include <string>

#include "service/api/types.hpp"

namespace comments::http {

// Whether serialize() writes res exactly as Beast would: not for chunked responses.
bool serializable(const api::Response& res);

// Replaces out's contents with res on the wire (out keeps its capacity between requests).
void serialize(const api::Response& res, std::string& out);

}  // namespace comments::http
