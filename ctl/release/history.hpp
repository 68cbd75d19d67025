// The release history of an environment, `<releases>/history/<env>.jsonl`: one JSON object per
// line, appended by pin, promote, rollback and verify (through release::Store), never rewritten.
// JSON Lines because appending a line is atomic enough for a file only commentsctl writes, and
// every line stands alone.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace commentsctl::release {

struct HistoryEntry {
  std::string time;  // RFC 3339, UTC
  std::string environment;
  std::string action;  // pin, promote, rollback, auto-rollback, verify
  std::string repository;
  std::string tag;
  std::string digest;    // empty only where the pin recorded has none (pin, auto-rollback)
  std::string from;      // promote: the source environment; verify: the URL checked
  std::string revision;  // the image's org.opencontainers.image.revision
  std::string previous;  // the digest the environment ran before, when any
};

std::filesystem::path history_path(const std::filesystem::path& releases_dir,
                                   const std::string& env);

// Appends one line, creating the folder. Throws std::runtime_error.
void append_history(const std::filesystem::path& path, const HistoryEntry& entry);

// Oldest first. A line that is not a history entry is reported in `problems` as
// "FILE:LINE: what is wrong" and skipped. A missing file is an empty history.
std::vector<HistoryEntry> read_history(const std::filesystem::path& path,
                                       std::vector<std::string>& problems);

// The current time as RFC 3339 UTC, "2025-11-23T13:00:00Z".
std::string now_utc();

}  // namespace commentsctl::release
