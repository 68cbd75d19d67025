// Reading and parsing with yaml-cpp, turning its exceptions into positioned messages.
#include "schema/document.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace commentsctl::schema {
namespace {

// Where each document starts, and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> marks;
};

// yaml-cpp 0.7 never finishes LoadAll on some malformed input (a file holding only ","): its
// parser yields empty documents without consuming anything until memory runs out (found by
// tests/reliability/fuzz). The mark of a document that starts where the previous one did is
// where the parser is stuck; nullptr when the input is safe to load.
std::optional<YAML::Mark> stuck_at(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    const auto& m = starts.marks;
    if (m.size() >= 2 && m[m.size() - 1].pos == m[m.size() - 2].pos) {
      return m.back();
    }
  }
  return std::nullopt;
}

}  // namespace

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
    if (auto mark = stuck_at(text)) {
      diags.add(path, *mark, "invalid YAML: unexpected character");
      return std::nullopt;
    }
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
