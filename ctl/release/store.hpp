// The release store: a project's releases folder, holding each environment's pin
// (`<dir>/<env>.yaml`) and history (`<dir>/history/<env>.jsonl`). It is the one loader of pins
// and the one writer of both: every change of a pin goes through record(), which replaces the pin
// and then appends its history line, so pin and history never tell different stories.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "release/history.hpp"
#include "release/pin.hpp"
#include "schema/diagnostics.hpp"
#include "spec/spec.hpp"

namespace commentsctl::release {

class Store {
 public:
  explicit Store(std::filesystem::path dir) : dir_(std::move(dir)) {}

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path pin_file(const std::string& env) const;
  [[nodiscard]] std::filesystem::path history_file(const std::string& env) const;
  [[nodiscard]] bool has_pin(const std::string& env) const;

  // The environment's pin, checked against the spec. nullopt with the problems in `diags`; a
  // missing file is reported at the environment's name in the spec.
  std::optional<Pin> load(const spec::Spec& spec, const spec::Environment& env,
                          schema::Diagnostics& diags) const;

  // The pin as written, unchecked: what an environment ran before a change. nullopt with the
  // problems in `diags` when the file is missing or invalid.
  std::optional<Pin> read(const std::string& env, schema::Diagnostics& diags) const;

  // Oldest first; unreadable lines in `problems` as "FILE:LINE: what is wrong".
  std::vector<HistoryEntry> history(const std::string& env,
                                    std::vector<std::string>& problems) const;

  // Replaces `pin.environment`'s pin with `pin`, then appends `entry` to its history. Throws
  // std::runtime_error saying which file could not be written.
  void record(const Pin& pin, const HistoryEntry& entry) const;

 private:
  std::filesystem::path dir_;
};

// The history line of `action` on `pin` at `time`: environment, repository, tag, digest, from
// and revision as the pin states them.
HistoryEntry history_entry(const Pin& pin, const std::string& action, const std::string& time);

// The index of the current release in `entries`: the last one that is not a verification and
// whose digest is the pin's ("" for a pin by tag alone); entries.size() when none is.
std::size_t current_release(const std::vector<HistoryEntry>& entries,
                            const std::string& pinned_digest);

}  // namespace commentsctl::release
