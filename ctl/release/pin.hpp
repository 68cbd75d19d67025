// Release pins, k8s/releases/<env>.yaml: which image an environment runs (repository, tag and
// digest) and where it came from. Only commentsctl writes them, so people's comments and layout
// in the hand-written spec are never rewritten by a machine.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "schema/diagnostics.hpp"
#include "schema/fields.hpp"
#include "spec/spec.hpp"

namespace commentsctl::release {

using schema::Located;

struct Pin {
  std::string file;
  Located<std::string> environment;
  Located<std::string> repository;
  Located<std::string> tag;
  std::optional<Located<std::string>> digest;  // sha256:<64 hex>; absent until one is known
  // Provenance, written by the pipeline: "ci" for a fresh build, else the environment promoted
  // from.
  std::optional<Located<std::string>> source_from;
  std::optional<Located<std::string>> source_revision;  // the git commit built
  std::optional<Located<std::string>> pinned_at;        // RFC 3339, UTC
  // Written by `commentsctl verify`: the digest that passed the smoke check, where and when.
  // `promote` takes only a verified digest from this environment.
  std::optional<Located<std::string>> verified_digest;
  std::optional<Located<std::string>> verified_url;
  std::optional<Located<std::string>> verified_at;

  // `repository@digest` when pinned by digest, else `repository:tag`.
  [[nodiscard]] std::string image() const;
};

// `<releases_dir>/<env>.yaml`.
std::filesystem::path pin_path(const std::filesystem::path& releases_dir, const std::string& env);

// The pin when the file is valid, else nullopt and the problems in `diags`.
std::optional<Pin> read_pin(const std::string& path, schema::Diagnostics& diags);
std::optional<Pin> parse_pin(const std::string& text, const std::string& path,
                             schema::Diagnostics& diags);

// The file's content: a header saying not to edit it, then the keys in a fixed order.
std::string format_pin(const Pin& pin);
// Replaces the file atomically (write beside it, then rename). Throws std::runtime_error.
void write_pin(const std::filesystem::path& path, const Pin& pin);

// Whether `pin` fits `env`: same environment and repository, a digest where one is required.
void check_pin(const spec::Spec& spec, const spec::Environment& env, const Pin& pin,
               schema::Diagnostics& diags);

}  // namespace commentsctl::release
