// The export file format (NDJSON): a header line, then one JSON object per comment, block and
// audit entry, each with a "type". Writing it, and reading it back with a precise error for each
// kind of bad line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "service/store/backend.hpp"

namespace comments::transfer {

constexpr std::string_view kFormat = "comments-service-export";
constexpr std::int64_t kFormatVersion = 1;

// The lines, without their newline.
std::string header_line(std::string_view backend);
std::string line(const store::StoredComment& c);
std::string line(const store::Block& b);
std::string line(const store::AuditEntry& a);

// A line that is not what the format allows; what() is "line N: what is wrong".
class LineError : public std::runtime_error {
 public:
  LineError(std::size_t line, const std::string& what)
      : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

// Reads a file line by line into a snapshot.
class Reader {
 public:
  // The next line, without its newline. Throws LineError.
  void add(std::string_view text);
  // After the last line. Throws LineError when the file had no header (it was empty).
  const store::Snapshot& finish() const;
  // The line a record came from (0 when none did); kind as ImportConflict::kind() names it.
  std::size_t line_of(const std::string& kind, std::int64_t id) const;
  const std::string& source_backend() const { return backend_; }

 private:
  std::size_t line_ = 0;
  std::string backend_;
  store::Snapshot data_;
  std::map<std::pair<std::string, std::int64_t>, std::size_t> lines_;    // (kind, id) → line
  std::map<std::pair<std::string, std::string>, std::int64_t> blocked_;  // (kind, value) → id
};

}  // namespace comments::transfer
