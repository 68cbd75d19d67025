// Block style, two-space indentation, sequences indented under their key.
#include "emit/writer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace commentsctl::emit {
namespace {

std::string lower(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\x%02x", static_cast<unsigned char>(c));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string scalar(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::Null:
      return "null";
    case Node::Kind::Boolean:
      return n.boolean() ? "true" : "false";
    case Node::Kind::Integer:
      return std::to_string(n.integer());
    case Node::Kind::String:
      return is_plain_safe(n.text()) ? n.text() : quote(n.text());
    default:
      return "";
  }
}

bool is_block(const Node& n) {
  return (n.kind() == Node::Kind::Map && !n.entries().empty()) ||
         (n.kind() == Node::Kind::Sequence && !n.items().empty());
}

std::string inline_value(const Node& n) {
  if (n.kind() == Node::Kind::Map) {
    return "{}";
  }
  if (n.kind() == Node::Kind::Sequence) {
    return "[]";
  }
  return scalar(n);
}

void write(const Node& n, std::size_t indent, std::string& out);

// A mapping's entries; the first one continues the current line when `first_inline` (after "- ").
void write_map(const Node& n, std::size_t indent, bool first_inline, std::string& out) {
  bool first = true;
  for (const auto& [key, value] : n.entries()) {
    if (!(first && first_inline)) {
      out.append(indent, ' ');
    }
    first = false;
    out += (is_plain_safe(key) ? key : quote(key)) + ":";
    if (is_block(value)) {
      out += "\n";
      write(value, indent + 2, out);
    } else {
      out += " " + inline_value(value) + "\n";
    }
  }
}

void write(const Node& n, std::size_t indent, std::string& out) {
  if (n.kind() == Node::Kind::Map) {
    write_map(n, indent, false, out);
    return;
  }
  for (const auto& item : n.items()) {
    out.append(indent, ' ');
    out += "-";
    if (item.kind() == Node::Kind::Map && is_block(item)) {
      out += " ";
      write_map(item, indent + 2, true, out);
    } else if (is_block(item)) {
      out += "\n";
      write(item, indent + 2, out);
    } else {
      out += " " + inline_value(item) + "\n";
    }
  }
}

}  // namespace

bool is_plain_safe(const std::string& s) {
  if (s.empty() || s.size() > 200) {
    return false;
  }
  // Starting with a letter or '/' rules out numbers, dates, sexagesimals and YAML indicators.
  const unsigned char first = s.front();
  if (!std::isalpha(first) && first != '/') {
    return false;
  }
  for (const unsigned char c : s) {
    if (!std::isalnum(c) &&
        std::string_view("_./-:@+=").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  if (s.back() == ':') {
    return false;
  }
  static const std::array<const char*, 13> special = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "_", "~"};
  const std::string l = lower(s);
  return std::none_of(special.begin(), special.end(), [&](const char* w) { return l == w; });
}

std::string to_yaml(const Node& root) {
  std::string out;
  if (is_block(root)) {
    write(root, 0, out);
  } else {
    out = inline_value(root) + "\n";
  }
  return out;
}

}  // namespace commentsctl::emit
