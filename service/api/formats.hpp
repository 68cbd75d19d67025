// Text forms the API's handlers and export share: the current time, RFC 3339 timestamps, JSON
// strings, non-negative integers in query parameters, and stored records as JSON objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "service/store/backend.hpp"

namespace comments::api {

std::int64_t now_ms();
// "2024-01-02T03:04:05.678Z", quoted, appended to out.
void append_timestamp(std::string& out, std::int64_t ms);
// s as a JSON string literal, appended to out.
void append_json_string(std::string& out, const std::string& s);
std::optional<std::int64_t> parse_positive(std::string_view s);
// The milliseconds of a timestamp as append_timestamp writes it (without the quotes); nullopt for
// anything else, including dates that do not exist.
std::optional<std::int64_t> parse_timestamp(std::string_view s);

// Comments, blocks and audit entries as JSON objects: the moderation API's items, and export's
// lines (comments-service export).
void append_comment(std::string& out, const store::StoredComment& c);
void append_block(std::string& out, const store::Block& b);
void append_audit(std::string& out, const store::AuditEntry& e);

}  // namespace comments::api
