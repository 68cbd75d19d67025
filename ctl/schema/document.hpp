// Loads one YAML document from an untrusted file; every failure becomes a diagnostic.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "schema/diagnostics.hpp"

namespace commentsctl::schema {

// Larger files are refused before parsing: no spec or pin comes anywhere near this.
inline constexpr std::size_t max_document_bytes = 1024 * 1024;

// The document's root node, or nullopt with the reason in `diags`.
std::optional<YAML::Node> load_document(const std::string& path, Diagnostics& diags);
std::optional<YAML::Node> parse_document(const std::string& text, const std::string& path,
                                         Diagnostics& diags);

}  // namespace commentsctl::schema
