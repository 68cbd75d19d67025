// Text forms the API's handlers share: the current time, RFC 3339 timestamps, JSON strings, and
// non-negative integers in query parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace comments::api {

std::int64_t now_ms();
// "2024-01-02T03:04:05.678Z", quoted, appended to out.
void append_timestamp(std::string& out, std::int64_t ms);
// s as a JSON string literal, appended to out.
void append_json_string(std::string& out, const std::string& s);
std::optional<std::int64_t> parse_positive(std::string_view s);

}  // namespace comments::api
