// Formats and orders diagnostics.
#include "schema/diagnostics.hpp"

#include <algorithm>

namespace commentsctl::schema {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

void Diagnostics::add(const std::string& file, const YAML::Mark& mark, std::string message) {
  if (mark.is_null()) {
    add_at(file, 1, 1, std::move(message));
  } else {
    add_at(file, mark.line + 1, mark.column + 1, std::move(message));
  }
}

void Diagnostics::add_at(const std::string& file, int line, int column, std::string message) {
  Diagnostic d{file, line, column, std::move(message)};
  if (std::find(list_.begin(), list_.end(), d) == list_.end()) {
    list_.push_back(std::move(d));
  }
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = list_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  return out;
}

void Diagnostics::print(std::ostream& out) const {
  for (const auto& d : sorted()) {
    out << d.str() << '\n';
  }
}

}  // namespace commentsctl::schema
