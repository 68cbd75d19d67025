// Reading and parsing with yaml-cpp, turning its exceptions into positioned messages.
#include "schema/document.hpp"

#include <yaml-cpp/depthguard.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace commentsctl::schema {

std::optional<YAML::Node> load_document(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.add_at(path, 1, 1, std::string("cannot read the file: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > max_document_bytes) {
    diags.add_at(path, 1, 1, "the file is larger than 1 MiB");
    return std::nullopt;
  }
  return parse_document(text.str(), path, diags);
}

std::optional<YAML::Node> parse_document(const std::string& text, const std::string& path,
                                         Diagnostics& diags) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.empty() || docs.front().IsNull()) {
      diags.add_at(path, 1, 1, "the file is empty");
      return std::nullopt;
    }
    if (docs.size() > 1) {
      diags.add_at(path, 1, 1,
                   "the file must hold one YAML document, not " + std::to_string(docs.size()));
      return std::nullopt;
    }
    return docs.front();
  } catch (const YAML::DeepRecursion& e) {
    diags.add(path, e.mark, "the YAML is nested too deeply");
  } catch (const YAML::Exception& e) {
    diags.add(path, e.mark, "invalid YAML: " + e.msg);
  }
  return std::nullopt;
}

}  // namespace commentsctl::schema
