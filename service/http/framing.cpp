// Beast alone is more lenient than nginx: it unfolds obs-fold, takes a Transfer-Encoding it does
// not understand as "no body", accepts repeated Content-Length lines that agree, and any token as
// a method. Each of those let bytes that nginx in front reads as body be answered here as a
// request. The table in tests/service/http/framing_test.cpp sends the same bytes to nginx.
#include "service/http/framing.hpp"

#include <boost/beast/core/string.hpp>

namespace comments::http {
namespace {

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view check_request_line(std::string_view line, bool& http10) {
  const auto sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos) {
    return "malformed request line";
  }
  for (char c : line.substr(0, sp1)) {
    if (c < 'A' || c > 'Z') {
      return "malformed method";
    }
  }
  const auto rest = line.substr(sp1 + 1);
  const auto sp2 = rest.find(' ');
  if (sp2 == 0 || sp2 == std::string_view::npos) {
    return "malformed request line";
  }
  const auto target = rest.substr(0, sp2);
  for (char c : target) {
    if (c <= ' ' || c >= 0x7f) {
      return "malformed request target";
    }
  }
  // origin-form, or absolute-form (which proxies may send); never "*" or authority-form.
  if (target.front() != '/' && !boost::beast::iequals(target.substr(0, 7), "http://") &&
      !boost::beast::iequals(target.substr(0, 8), "https://")) {
    return "malformed request target";
  }
  const auto version = rest.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 only)";
  }
  http10 = version == "HTTP/1.0";
  return {};
}

}  // namespace

HeadScanner::Result HeadScanner::scan(std::string_view bytes) {
  for (std::size_t i = scanned_; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\0') {
      return {0, "NUL in the request head"};
    }
    if (c == '\r') {
      if (i + 1 == bytes.size()) {
        scanned_ = i;  // decide when the next byte is here
        return {};
      }
      if (bytes[i + 1] != '\n') {
        return {0, "bare CR in the request head"};
      }
      continue;
    }
    if (c != '\n') {
      continue;
    }
    if (i == 0 || bytes[i - 1] != '\r') {
      return {0, "bare LF in the request head"};
    }
    if (i == 1) {
      return {0, "empty line before the request line"};
    }
    if (i >= 3 && bytes[i - 3] == '\r' && bytes[i - 2] == '\n') {
      return {i + 1, {}};
    }
  }
  scanned_ = bytes.size();
  return {};
}

std::string_view check_request_head(std::string_view head) {
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") {
    return "incomplete request head";
  }
  auto eol = head.find("\r\n");
  bool http10 = false;
  if (auto error = check_request_line(head.substr(0, eol), http10); !error.empty()) {
    return error;
  }
  int hosts = 0;
  int transfer_encodings = 0;
  int content_lengths = 0;
  std::string_view transfer_encoding;
  std::string_view content_length;
  for (std::size_t start = eol + 2; start < head.size() - 2; start = eol + 2) {
    eol = head.find("\r\n", start);
    const auto line = head.substr(start, eol - start);
    if (line.empty()) {
      return "empty line inside the request head";
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return "obsolete line folding in a header field";
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return "malformed header field";
    }
    const auto name = line.substr(0, colon);
    for (char c : name) {
      if (!is_tchar(c)) {
        return "malformed header field name";
      }
    }
    const auto value = line.substr(colon + 1);
    for (char c : value) {
      if (is_control(c)) {
        return "control character in a header field";
      }
    }
    // Only spaces count as padding here: nginx reads a tab as part of these two values.
    if (boost::beast::iequals(name, "host")) {
      ++hosts;
    } else if (boost::beast::iequals(name, "transfer-encoding")) {
      ++transfer_encodings;
      transfer_encoding = trim_spaces(value);
    } else if (boost::beast::iequals(name, "content-length")) {
      ++content_lengths;
      content_length = trim_spaces(value);
    }
  }
  if (hosts > 1 || (hosts == 0 && !http10)) {
    return hosts == 0 ? "missing Host header" : "repeated Host header";
  }
  if (content_lengths > 1) {
    return "repeated Content-Length header";
  }
  if (content_lengths == 1) {
    if (content_length.empty() || content_length.size() > 18 ||
        content_length.find_first_not_of("0123456789") != std::string_view::npos) {
      return "malformed Content-Length";
    }
  }
  if (transfer_encodings > 0) {
    if (transfer_encodings > 1) {
      return "repeated Transfer-Encoding header";
    }
    if (http10) {
      return "Transfer-Encoding in an HTTP/1.0 request";
    }
    if (content_lengths > 0) {
      return "both Content-Length and Transfer-Encoding";
    }
    if (!boost::beast::iequals(transfer_encoding, "chunked")) {
      return "unsupported Transfer-Encoding (only chunked)";
    }
  }
  return {};
}

}  // namespace comments::http
