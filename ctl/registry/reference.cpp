// Splitting an image reference into registry, repository, tag and digest, following the
// distribution/reference grammar closely enough to refuse what a registry would refuse.
#include "registry/reference.hpp"

#include <regex>

#include "registry/digest.hpp"
#include "service/config/values.hpp"

namespace commentsctl::registry {

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

std::string Reference::name() const { return registry + "/" + repository; }

std::optional<Reference> parse_reference(const std::string& text, std::string& error) {
  Reference ref;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!is_sha256_digest(ref.digest)) {
      error = "\"" + text + "\": the digest must be sha256: and 64 lower-case hex digits";
      return std::nullopt;
    }
  }
  const auto slash = rest.find('/');
  const std::string first = slash == std::string::npos ? "" : rest.substr(0, slash);
  if (!first.empty() && (first.find_first_of(".:") != std::string::npos || first == "localhost")) {
    ref.registry = first;
    rest = rest.substr(slash + 1);
  } else {
    ref.registry = "docker.io";
    if (rest.find('/') == std::string::npos) {
      rest = "library/" + rest;
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    ref.tag = rest.substr(colon + 1);
    rest.resize(colon);
    if (!comments::config::image_tag().matches(ref.tag)) {
      error = "\"" + text + "\": invalid tag \"" + ref.tag + "\"";
      return std::nullopt;
    }
  }
  static const std::regex repo_re(
      R"([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)");
  if (!std::regex_match(rest, repo_re)) {
    error = "\"" + text + "\": invalid repository name \"" + rest + "\"";
    return std::nullopt;
  }
  ref.repository = rest;
  if (ref.tag.empty() && ref.digest.empty()) {
    error = "\"" + text + "\": needs a tag or a digest";
    return std::nullopt;
  }
  return ref;
}

void split_host_port(const std::string& registry, std::string& host, std::string& port) {
  host = registry;
  port.clear();
  if (!registry.empty() && registry.front() == '[') {
    const auto close = registry.find(']');
    host = registry.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < registry.size() && registry[close + 1] == ':') {
      port = registry.substr(close + 2);
    }
    return;
  }
  if (auto colon = registry.rfind(':'); colon != std::string::npos) {
    host = registry.substr(0, colon);
    port = registry.substr(colon + 1);
  }
}

}  // namespace commentsctl::registry
