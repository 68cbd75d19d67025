// Timestamps, JSON strings and query integers, written and read one way for every handler.
#include "service/api/formats.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <iterator>

namespace comments::api {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void append_timestamp(std::string& out, std::int64_t ms) {
  const auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  fmt::format_to(std::back_inserter(out), "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ms % 1000);
}

void append_json_string(std::string& out, const std::string& s) {
  out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

std::optional<std::int64_t> parse_positive(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  // Exactly what append_timestamp writes, unquoted: 2024-01-02T03:04:05.678Z.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kShape.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (kShape[i] == 'd' ? !digit : s[i] != kShape[i]) {
      return std::nullopt;
    }
  }
  auto number = [s](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                            day(static_cast<unsigned>(number(8, 2)))};
  const int hour = number(11, 2);
  const int minute = number(14, 2);
  const int second = number(17, 2);
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const auto at = sys_days(date) + hours(hour) + minutes(minute) + seconds(second) +
                  milliseconds(number(20, 3));
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

void append_comment(std::string& out, const store::StoredComment& c) {
  fmt::format_to(std::back_inserter(out), "{{\"id\":{},\"content_id\":", c.id);
  append_json_string(out, c.content_id);
  out += ",\"email\":";
  append_json_string(out, c.email);
  out += ",\"comment\":";
  append_json_string(out, c.text);
  out += ",\"created_at\":";
  append_timestamp(out, c.created_at_ms);
  fmt::format_to(std::back_inserter(out), ",\"state\":\"{}\"}}", store::to_string(c.state));
}

void append_block(std::string& out, const store::Block& b) {
  fmt::format_to(std::back_inserter(out), "{{\"id\":{},\"kind\":\"{}\",\"value\":", b.id, b.kind);
  append_json_string(out, b.value);
  out += ",\"created_at\":";
  append_timestamp(out, b.created_at_ms);
  out += '}';
}

void append_audit(std::string& out, const store::AuditEntry& e) {
  fmt::format_to(std::back_inserter(out), "{{\"id\":{},\"at\":", e.id);
  append_timestamp(out, e.at_ms);
  out += ",\"actor\":";
  append_json_string(out, e.actor);
  out += ",\"action\":";
  append_json_string(out, e.action);
  out += ",\"target\":";
  append_json_string(out, e.target);
  out += '}';
}

}  // namespace comments::api
