// Reads an untrusted YAML mapping against a table of the keys it may hold, reporting unknown keys
// (with a "did you mean"), wrong types, out-of-range numbers and malformed values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/diagnostics.hpp"

namespace commentsctl::schema {

template <typename T>
struct Located {
  T value{};
  YAML::Mark mark;  // where the value was written (null when it came from a default)
};

enum class Type { String, Integer, Boolean, StringList, StringMap };

// A check returning "" for a good value, else what is wrong ("must be ...").
using Check = std::function<std::string(std::string_view)>;
// A check of a mapping's value that depends on its key (a setting's variable and value).
using EntryCheck = std::function<std::string(std::string_view key, std::string_view value)>;

// One key a mapping may hold, by its dotted path ("resources.requests.cpu").
struct Field {
  std::string path{};
  Type type = Type::String;
  Check check = nullptr;               // String, list items and map values
  std::vector<std::string> choices{};  // String: the allowed values, when a closed set
  long long min = 0;                   // Integer: inclusive range
  long long max = 0;
  Check key_check = nullptr;         // StringMap: the keys
  EntryCheck entry_check = nullptr;  // StringMap: each value, knowing its key
};

struct Value {
  Located<std::string> scalar;              // String, Integer, Boolean
  std::vector<Located<std::string>> items;  // StringList
  std::vector<std::pair<Located<std::string>, Located<std::string>>> entries;  // StringMap
  YAML::Mark mark;    // the value's position (also the key's for a null value)
  bool valid = true;  // false: written but refused (already reported); readers use a default

  [[nodiscard]] long long integer() const;
  [[nodiscard]] bool boolean() const { return scalar.value == "true"; }
};

// Dotted path → value, for the keys present (well-formed or not, see Value::valid).
using Values = std::map<std::string, Value>;

// `where` names the mapping in messages ("defaults", "environments.dev"); the reported keys are
// relative to it.
Values read_fields(const YAML::Node& node, const std::vector<Field>& table, std::string_view where,
                   FileDiagnostics& diags);

// The keys of a mapping node that appear more than once, each reported at its second place.
// Returns false when `node` is not a mapping or has a non-scalar key.
bool check_unique_keys(const YAML::Node& node, std::string_view where, FileDiagnostics& diags);

// "a mapping", "a list", "a string", "nothing": for "must be X, not Y" messages.
std::string describe(const YAML::Node& node);

}  // namespace commentsctl::schema
