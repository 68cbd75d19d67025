// Writes an ordered tree as block-style YAML.
//
// A small writer rather than yaml-cpp's Emitter because the output must read the same in every
// YAML reader it meets: kubectl (YAML 1.1, where `on`, `y` and `0755` are not strings), Helm,
// yaml-cpp and the schema validator. Here a string is written plain only when it cannot be taken
// for anything else in either YAML version, and double-quoted otherwise; the layout is fixed, so
// output changes only when the tree does.
#pragma once

#include <string>

#include "emit/node.hpp"

namespace commentsctl::emit {

// One document, without a `---` line.
std::string to_yaml(const Node& root);

// Whether `s` can be written without quotes and still read back as the same string.
bool is_plain_safe(const std::string& s);

}  // namespace commentsctl::emit
