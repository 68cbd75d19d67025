// Problems found in a YAML file, each tied to a position, reported as `file:line:column: message`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <ostream>
#include <string>
#include <vector>

namespace commentsctl::schema {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;

  [[nodiscard]] std::string str() const;
  auto operator<=>(const Diagnostic&) const = default;
};

// Collects diagnostics from several files; the same problem reported twice is kept once.
class Diagnostics {
 public:
  // `mark` is yaml-cpp's 0-based position; a null mark (a value made up from a default) is
  // reported at the start of the file.
  void add(const std::string& file, const YAML::Mark& mark, std::string message);
  void add_at(const std::string& file, int line, int column, std::string message);

  [[nodiscard]] bool empty() const { return list_.empty(); }
  [[nodiscard]] std::size_t size() const { return list_.size(); }
  // In file order, then line and column.
  [[nodiscard]] std::vector<Diagnostic> sorted() const;
  void print(std::ostream& out) const;

 private:
  std::vector<Diagnostic> list_;
};

// Binds a file name to a Diagnostics so readers need not repeat it.
class FileDiagnostics {
 public:
  FileDiagnostics(Diagnostics& all, std::string file) : all_(all), file_(std::move(file)) {}
  void add(const YAML::Mark& mark, std::string message) {
    all_.add(file_, mark, std::move(message));
  }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] Diagnostics& all() { return all_; }

 private:
  Diagnostics& all_;
  std::string file_;
};

}  // namespace commentsctl::schema
