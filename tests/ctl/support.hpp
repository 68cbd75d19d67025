// Helpers shared by the commentsctl tests: paths, files, and loading spec + pin from text.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "release/pin.hpp"
#include "schema/diagnostics.hpp"
#include "spec/spec.hpp"
#include "tests/service/support/temp_dir.hpp"

namespace commentsctl::testing {

inline const std::filesystem::path source_dir = COMMENTS_SOURCE_DIR;
inline const std::filesystem::path specs_dir = CTL_TEST_SPECS_DIR;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The one temporary-directory helper of the C++ tests (mkdtemp, removed on destruction).
using TempDir = comments::testing::TempDir;

inline std::vector<std::string> lines(const schema::Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) {
    out.push_back(d.str());
  }
  return out;
}

}  // namespace commentsctl::testing

#include <yaml-cpp/yaml.h>

#include "commands/project.hpp"
#include "render/render.hpp"

namespace commentsctl::testing {

// Renders `env` of the spec file as `commentsctl --spec SPEC render ENV` prints it.
inline std::string render_text(const std::filesystem::path& spec_path, const std::string& env) {
  commands::GlobalOptions options;
  options.spec_path = spec_path.string();
  schema::Diagnostics diags;
  auto project = commands::load_project(options, {env}, diags);
  INFO(spec_path << ": " << (diags.empty() ? "" : diags.sorted().front().str()));
  REQUIRE(project);
  const auto objects =
      render::render(project->spec, *project->spec.find(env), project->pins.at(env));
  return render::to_documents(env, objects);
}

// The same output read back as a YAML reader sees it, one node per object.
inline std::vector<YAML::Node> render_docs(const std::filesystem::path& spec_path,
                                           const std::string& env) {
  std::vector<YAML::Node> docs;
  for (const auto& d : YAML::LoadAll(render_text(spec_path, env))) {
    if (!d.IsNull()) {
      docs.push_back(d);
    }
  }
  return docs;
}

inline std::vector<std::string> kinds(const std::vector<YAML::Node>& docs) {
  std::vector<std::string> out;
  for (const auto& d : docs) {
    out.push_back(d["kind"].as<std::string>());
  }
  return out;
}

inline YAML::Node find_kind(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const auto& d : docs) {
    if (d["kind"].as<std::string>() == kind) {
      return d;
    }
  }
  FAIL("no " << kind << " rendered");
  return {};
}

// Every spec variation under tests/ctl/specs with the environment it defines, plus the
// committed spec's environments.
struct Case {
  std::filesystem::path spec;
  std::string env;
};
inline std::vector<Case> all_cases() {
  std::vector<Case> cases = {{source_dir / "k8s/comments.yaml", "dev"},
                             {source_dir / "k8s/comments.yaml", "prod"}};
  for (const auto& entry : std::filesystem::directory_iterator(specs_dir)) {
    if (entry.path().extension() == ".yaml") {
      schema::Diagnostics diags;
      const auto spec = spec::load_spec(entry.path().string(), diags);
      REQUIRE(spec);
      for (const auto& name : spec->environment_names()) {
        cases.push_back({entry.path(), name});
      }
    }
  }
  return cases;
}

}  // namespace commentsctl::testing
