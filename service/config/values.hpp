// The value formats of settings and release pins (durations, sizes, numbers, booleans,
// addresses, origins, image tags, digests), shared by comments-service, commentsctl and, generated
// from them, the chart's values.schema.json. Each format is a regular expression the whole value
// must match, written in the subset that std::regex (ECMAScript) and RE2 (Go, inside helm) read
// alike; a parser converts only what its format matched, so every reader accepts the same values.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace comments::config {

struct Format {
  std::string name{};      // "duration", "integer", … (docs/settings.json)
  std::string pattern{};   // matched against the whole value; no anchors
  std::string expected{};  // what a good value is, after "must be": "a whole number from 1 to 256"
  // Besides strings, YAML integers in this range are good values (written as their digits).
  std::optional<std::pair<std::uint64_t, std::uint64_t>> integers{};
  // With `integers`: YAML numbers with at most this many decimals, below max + 1, are good too.
  int decimals = 0;
  bool booleans = false;               // YAML true and false are good values too
  bool secret = false;                 // values may hold a password: messages never repeat them
  std::vector<std::string> choices{};  // a closed set: the only good values
  std::shared_ptr<const std::regex> compiled{};

  [[nodiscard]] bool matches(std::string_view text) const;
  // "" for a good value, else "must be <expected>".
  [[nodiscard]] std::string check(std::string_view text) const;
};

// A format and the conversion of a value it matched.
template <typename T>
struct Parser {
  Format format{};
  std::function<T(std::string_view)> convert{};

  [[nodiscard]] std::optional<T> parse(std::string_view text) const {
    if (!format.matches(text)) {
      return std::nullopt;
    }
    return convert(text);
  }
};

Format make_format(std::string name, std::string pattern, std::string expected);

// The numbers from `min` to `max` in decimal digits, without leading zeros.
std::string integer_pattern(std::uint64_t min, std::uint64_t max);
Format integer_format(std::uint64_t min, std::uint64_t max);

template <std::unsigned_integral T>
Parser<T> integer(T min, T max) {
  return {integer_format(min, max),
          [](std::string_view text) { return static_cast<T>(std::stoull(std::string(text))); }};
}

// The parsers below are built once (std::regex compiles slowly) and live as long as the program.
// `500ms`, `5s`, `2m`, `1h`: up to six digits and a unit. `positive` refuses zero.
const Parser<std::chrono::milliseconds>& duration(bool positive = false);
// `65536`, `64KiB`, `32MiB`: bytes, up to ten digits and an optional unit.
const Parser<std::size_t>& size(bool positive = false);
// `0`, `2.5`: from 0 to below a billion, up to six decimals.
const Parser<double>& decimal();
const Parser<bool>& boolean();
// A printable string, possibly empty (file paths).
const Parser<std::string>& text();
// An IPv4 address (`0.0.0.0`) or an IPv6 address (`::`, `fd00::1`).
const Parser<std::string>& address();
// `memory:`, `sqlite:<path>`, `postgresql://…`.
const Parser<std::string>& storage_url();
// The origins other sites' pages send (`https://blog.example.com,http://localhost:8080`), `*`
// for any, or "" for none; each converted to the Origin header a browser writes (lower case,
// without the scheme's default port).
const Parser<std::vector<std::string>>& origins();

template <typename T>
Parser<T> choice(std::vector<std::pair<std::string, T>> names) {
  std::string pattern;
  std::string listed;
  std::vector<std::string> choices;
  for (std::size_t i = 0; i < names.size(); ++i) {
    pattern += (i == 0 ? "" : "|") + names[i].first;
    listed += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].first;
    choices.push_back(names[i].first);
  }
  Format format = make_format("choice", pattern, "one of " + listed);
  format.choices = std::move(choices);
  return {std::move(format), [names = std::move(names)](std::string_view text) {
            for (const auto& [name, value] : names) {
              if (name == text) {
                return value;
              }
            }
            return names.front().second;  // unreachable: the format matched one of the names
          }};
}

// An image tag (`0.1.0-5a141f4`): what registries accept, at most 128 characters.
const Format& image_tag();
// A content digest: `sha256:` and 64 lowercase hexadecimal digits.
const Format& digest();
// A digest, or "" for none.
const Parser<std::string>& optional_digest();
// A TCP port from 0 to 65535, or "" for none.
const Parser<std::optional<std::uint16_t>>& optional_port();

}  // namespace comments::config
