// The formats as regular expressions and the conversions behind them; integer ranges become
// patterns digit by digit, so that a schema without arithmetic (JSON Schema's `pattern`) refuses
// exactly the numbers the service refuses.
#include "service/config/values.hpp"

#include <charconv>

namespace comments::config {
namespace {

// Printable characters: no control characters, which no file path or URL here needs.
constexpr std::string_view printable = R"([^\x00-\x1F\x7F])";

std::string alternatives(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : "|") + p;
  }
  return out;
}

std::string group(const std::string& pattern) {
  return pattern.find('|') == std::string::npos ? pattern : "(?:" + pattern + ")";
}

std::string digit_class(char first, char last) {
  return first == last ? std::string(1, first) : std::string("[") + first + "-" + last + "]";
}

std::string any_digits(std::size_t count) {
  if (count == 0) {
    return "";
  }
  return count == 1 ? "[0-9]" : "[0-9]{" + std::to_string(count) + "}";
}

// The numbers from `lo` to `hi`, both written with the same number of digits.
std::string same_length(const std::string& lo, const std::string& hi) {
  const std::size_t n = lo.size();
  if (lo == hi) {
    return lo;
  }
  if (n == 1) {
    return digit_class(lo[0], hi[0]);
  }
  if (lo[0] == hi[0]) {
    return lo.substr(0, 1) + group(same_length(lo.substr(1), hi.substr(1)));
  }
  const std::string zeros(n - 1, '0');
  const std::string nines(n - 1, '9');
  std::vector<std::string> parts;
  char first = lo[0];
  char last = hi[0];
  if (lo.substr(1) != zeros) {  // lo's first digit with only the tails from lo up
    parts.push_back(lo.substr(0, 1) + group(same_length(lo.substr(1), nines)));
    ++first;
  }
  const bool hi_whole = hi.substr(1) == nines;
  if (!hi_whole) {
    --last;
  }
  if (first <= last) {  // the first digits whose every tail is in range
    parts.push_back(digit_class(first, last) + any_digits(n - 1));
  }
  if (!hi_whole) {  // hi's first digit with only the tails up to hi
    parts.push_back(hi.substr(0, 1) + group(same_length(zeros, hi.substr(1))));
  }
  return alternatives(parts);
}

std::uint64_t power_of_ten(std::size_t exponent) {
  std::uint64_t p = 1;
  for (std::size_t i = 0; i < exponent; ++i) {
    p *= 10;
  }
  return p;
}

std::uint64_t leading_number(std::string_view text, std::string_view& rest) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  rest = text.substr(static_cast<std::size_t>(end - text.data()));
  return n;
}

}  // namespace

bool Format::matches(std::string_view text) const {
  return std::regex_match(text.begin(), text.end(), *compiled);
}

std::string Format::check(std::string_view text) const {
  return matches(text) ? "" : "must be " + expected;
}

Format make_format(std::string name, std::string pattern, std::string expected) {
  auto compiled = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  return {.name = std::move(name),
          .pattern = std::move(pattern),
          .expected = std::move(expected),
          .compiled = std::move(compiled)};
}

std::string integer_pattern(std::uint64_t min, std::uint64_t max) {
  const std::size_t min_digits = std::to_string(min).size();
  const std::size_t max_digits = std::to_string(max).size();
  std::vector<std::string> parts;
  for (std::size_t n = min_digits; n <= max_digits; ++n) {
    const std::uint64_t lo = n == min_digits ? min : power_of_ten(n - 1);
    const std::uint64_t hi = n == max_digits ? max : power_of_ten(n) - 1;
    parts.push_back(same_length(std::to_string(lo), std::to_string(hi)));
  }
  return alternatives(parts);
}

Format integer_format(std::uint64_t min, std::uint64_t max) {
  Format f =
      make_format("integer", integer_pattern(min, max),
                  "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  f.integers = {min, max};
  return f;
}

namespace {

Parser<std::chrono::milliseconds> make_duration(bool positive) {
  const std::string number = positive ? "[1-9][0-9]{0,5}" : "(?:0|[1-9][0-9]{0,5})";
  Format f =
      make_format(positive ? "positive duration" : "duration", number + "(?:ms|s|m|h)",
                  std::string(positive ? "a duration above zero" : "a duration") +
                      ": up to six digits and a unit (ms, s, m or h), such as 500ms, 5s, 2m or 1h");
  return {std::move(f), [](std::string_view text) {
            std::string_view unit;
            const auto n = static_cast<std::int64_t>(leading_number(text, unit));
            const std::int64_t scale = unit == "ms"  ? 1
                                       : unit == "s" ? 1000
                                       : unit == "m" ? 60'000
                                                     : 3'600'000;
            return std::chrono::milliseconds(n * scale);
          }};
}

Parser<std::size_t> make_size(bool positive) {
  const std::string number = positive ? "[1-9][0-9]{0,9}" : "(?:0|[1-9][0-9]{0,9})";
  Format f = make_format(positive ? "positive size" : "size", number + "(?:B|KiB|MiB)?",
                         std::string(positive ? "a size above zero" : "a size") +
                             ": up to ten digits of bytes and an optional unit (B, KiB or "
                             "MiB), such as 65536 or 64KiB");
  f.integers = {positive ? 1 : 0, 9'999'999'999ULL};
  return {std::move(f), [](std::string_view text) {
            std::string_view unit;
            const std::size_t n = leading_number(text, unit);
            return unit == "KiB" ? n * 1024 : unit == "MiB" ? n * 1024 * 1024 : n;
          }};
}

Parser<double> make_decimal() {
  Format f = make_format("decimal", R"((?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?)",
                         "a number from 0 to below 1000000000 with at most six decimals, such "
                         "as 50 or 2.5");
  f.integers = {0, 999'999'999};
  f.decimals = 6;
  return {std::move(f), [](std::string_view text) {
            double value = 0;
            std::from_chars(text.data(), text.data() + text.size(), value);
            return value;
          }};
}

Parser<bool> make_boolean() {
  Format f = make_format("boolean", "true|false", "true or false");
  f.booleans = true;
  return {std::move(f), [](std::string_view text) { return text == "true"; }};
}

Parser<std::string> make_text() {
  return {make_format("text", std::string(printable) + "*", "text without control characters"),
          [](std::string_view t) { return std::string(t); }};
}

// The forms of RFC 4291 section 2.2 without an embedded IPv4 address or a zone.
std::string ipv6_pattern() {
  const std::string h = "[0-9a-fA-F]{1,4}";
  return alternatives({
      "(?:" + h + ":){7}" + h,
      "(?:" + h + ":){1,7}:",
      "(?:" + h + ":){1,6}:" + h,
      "(?:" + h + ":){1,5}(?::" + h + "){1,2}",
      "(?:" + h + ":){1,4}(?::" + h + "){1,3}",
      "(?:" + h + ":){1,3}(?::" + h + "){1,4}",
      "(?:" + h + ":){1,2}(?::" + h + "){1,5}",
      h + ":(?::" + h + "){1,6}",
      ":(?::" + h + "){1,7}",
      "::",
  });
}

Parser<std::string> make_address() {
  const std::string octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
  const std::string ipv4 = "(?:" + octet + "\\.){3}" + octet;
  return {make_format("address", ipv4 + "|" + ipv6_pattern(),
                      "an IPv4 or IPv6 address, such as 0.0.0.0, 127.0.0.1 or ::"),
          [](std::string_view t) { return std::string(t); }};
}

// An origin is what RFC 6454 serialises: scheme, host and port, no path (not even "/"). The host
// is a DNS name or IPv4 address (labels of letters, digits and inner hyphens) or a bracketed IPv6
// address; wildcards are not origins, so each site is listed.
Parser<std::vector<std::string>> make_origins() {
  const std::string label = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
  const std::string host = label + "(?:\\." + label + ")*|\\[(?:" + ipv6_pattern() + ")\\]";
  const std::string origin = "https?://(?:" + host + ")(?::(?:" + integer_pattern(1, 65535) + "))?";
  Format f = make_format(
      "origins", "(?:\\*|" + origin + "(?: *, *" + origin + ")*)?",
      "origins separated by commas, each http:// or https://, a host and an optional port, with "
      "no path (not even a trailing /), such as https://blog.example.com,http://localhost:8080; "
      "* for any; empty for none");
  return {std::move(f), [](std::string_view text) {
            std::vector<std::string> out;
            while (!text.empty()) {
              const auto comma = text.find(',');
              std::string origin(text.substr(0, comma));
              text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
              origin.erase(0, origin.find_first_not_of(' '));
              origin.erase(origin.find_last_not_of(' ') + 1);
              for (auto& ch : origin) {
                ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
              }
              // Browsers leave the scheme's default port out of Origin.
              if (origin.starts_with("http://") && origin.ends_with(":80")) {
                origin.resize(origin.size() - 3);
              } else if (origin.starts_with("https://") && origin.ends_with(":443")) {
                origin.resize(origin.size() - 4);
              }
              out.push_back(std::move(origin));
            }
            return out;
          }};
}

Parser<std::string> make_storage_url() {
  const std::string c(printable);
  // sqlite: with a path; "sqlite://" alone has none (the "//" of sqlite:///abs is dropped).
  const std::string sqlite_path = alternatives(
      {"//" + c + "+", "/", "/[^/\\x00-\\x1F\\x7F]" + c + "*", "[^/\\x00-\\x1F\\x7F]" + c + "*"});
  Format f = make_format(
      "storage URL", "memory:(?://)?|sqlite:(?:" + sqlite_path + ")|postgres(?:ql)?://" + c + "*",
      "memory:, sqlite:<path> or postgresql://…");
  f.secret = true;  // postgresql://user:password@…, however mistyped
  return {std::move(f), [](std::string_view t) { return std::string(t); }};
}

}  // namespace

const Parser<std::chrono::milliseconds>& duration(bool positive) {
  static const auto any = make_duration(false);
  static const auto above_zero = make_duration(true);
  return positive ? above_zero : any;
}

const Parser<std::size_t>& size(bool positive) {
  static const auto any = make_size(false);
  static const auto above_zero = make_size(true);
  return positive ? above_zero : any;
}

const Parser<double>& decimal() {
  static const auto p = make_decimal();
  return p;
}

const Parser<bool>& boolean() {
  static const auto p = make_boolean();
  return p;
}

const Parser<std::string>& text() {
  static const auto p = make_text();
  return p;
}

const Parser<std::string>& address() {
  static const auto p = make_address();
  return p;
}

const Parser<std::string>& storage_url() {
  static const auto p = make_storage_url();
  return p;
}

const Parser<std::vector<std::string>>& origins() {
  static const auto p = make_origins();
  return p;
}

const Format& image_tag() {
  static const Format f =
      make_format("image tag", "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
                  "an image tag: letters, digits, '_', '.' and '-', at most 128");
  return f;
}

const Format& digest() {
  static const Format f = make_format("digest", "sha256:[0-9a-f]{64}",
                                      "a digest: sha256: and 64 lowercase hexadecimal digits");
  return f;
}

const Parser<std::string>& optional_digest() {
  static const Parser<std::string> p = {
      make_format("optional digest", "(?:" + digest().pattern + ")?",
                  "a digest (sha256: and 64 lowercase hexadecimal digits), or empty for none"),
      [](std::string_view t) { return std::string(t); }};
  return p;
}

const Parser<std::optional<std::uint16_t>>& optional_port() {
  static const Parser<std::optional<std::uint16_t>> p = [] {
    Format f = make_format("optional port", "(?:" + integer_pattern(0, 65535) + ")?",
                           "a port from 0 to 65535, or empty for none");
    f.integers = {0, 65535};
    return Parser<std::optional<std::uint16_t>>{
        std::move(f), [](std::string_view t) -> std::optional<std::uint16_t> {
          if (t.empty()) {
            return std::nullopt;
          }
          return static_cast<std::uint16_t>(std::stoul(std::string(t)));
        }};
  }();
  return p;
}

}  // namespace comments::config
