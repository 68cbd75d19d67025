// Walks a mapping node guided by the table: nested mappings are implied by dotted paths.
#include "schema/fields.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "schema/suggest.hpp"

namespace commentsctl::schema {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    out += (out.empty() ? "" : ", ") + w;
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// yaml-cpp marks a null value at the next token; the key's position reads better.
YAML::Mark value_mark(const YAML::Node& key, const YAML::Node& value) {
  return value.IsNull() ? key.Mark() : value.Mark();
}

std::optional<long long> to_integer(const std::string& text) {
  long long n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return n;
}

class Reader {
 public:
  Reader(const std::vector<Field>& table, std::string_view where, FileDiagnostics& diags)
      : table_(table), where_(where), diags_(diags) {}

  void read_map(const YAML::Node& node, const std::string& prefix, Values& out) {
    const std::string in = prefix.empty() ? where_ : prefix;
    if (!check_unique_keys(node, in, diags_)) {
      return;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      const YAML::Node& value = entry.second;
      if (const Field* field = find(path)) {
        read_leaf(*field, entry.first, value, out);
      } else if (has_children(path)) {
        if (!value.IsMap()) {
          diags_.add(value_mark(entry.first, value),
                     path + " must be a mapping, not " + describe(value));
        } else {
          read_map(value, path, out);
        }
      } else {
        diags_.add(entry.first.Mark(), "unknown key " + quoted(key) +
                                           (in.empty() ? "" : " in " + in) +
                                           did_you_mean(key, children(prefix)));
      }
    }
  }

 private:
  const Field* find(const std::string& path) const {
    auto it =
        std::find_if(table_.begin(), table_.end(), [&](const Field& f) { return f.path == path; });
    return it == table_.end() ? nullptr : &*it;
  }

  bool has_children(const std::string& path) const {
    return std::any_of(table_.begin(), table_.end(),
                       [&](const Field& f) { return f.path.starts_with(path + "."); });
  }

  // The keys that may appear directly under `prefix`, for suggestions.
  std::vector<std::string> children(const std::string& prefix) const {
    std::set<std::string> names;
    const std::string start = prefix.empty() ? "" : prefix + ".";
    for (const auto& f : table_) {
      if (f.path.starts_with(start)) {
        const std::string rest = f.path.substr(start.size());
        names.insert(rest.substr(0, rest.find('.')));
      }
    }
    return {names.begin(), names.end()};
  }

  bool check_scalar(const Field& f, const YAML::Node& key, const YAML::Node& value) {
    if (value.IsNull()) {
      diags_.add(key.Mark(), f.path + " needs a value");
      return false;
    }
    if (!value.IsScalar()) {
      diags_.add(value.Mark(),
                 f.path + " must be a " + type_name(f.type) + ", not " + describe(value));
      return false;
    }
    return true;
  }

  // Checks a string against the field's choices and format; reports and returns false if bad.
  bool check_text(const Field& f, const std::string& what, const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (!f.choices.empty() &&
        std::find(f.choices.begin(), f.choices.end(), text) == f.choices.end()) {
      diags_.add(node.Mark(), what + " must be one of " + join(f.choices) + ", not " +
                                  quoted(text) + did_you_mean(text, f.choices));
      return false;
    }
    if (f.check != nullptr) {
      if (std::string problem = f.check(text); !problem.empty()) {
        diags_.add(node.Mark(), what + " " + problem + ", not " + quoted(text));
        return false;
      }
    }
    return true;
  }

  bool check_entry(const Field& f, const std::string& what, const std::string& key,
                   const YAML::Node& node) {
    if (f.entry_check != nullptr) {
      if (std::string problem = f.entry_check(key, node.Scalar()); !problem.empty()) {
        diags_.add(node.Mark(), what + " " + problem + ", not " + quoted(node.Scalar()));
        return false;
      }
    }
    return true;
  }

  static std::string type_name(Type t) {
    switch (t) {
      case Type::Integer:
        return "integer";
      case Type::Boolean:
        return "boolean (true or false)";
      case Type::StringList:
        return "list";
      case Type::StringMap:
        return "mapping";
      case Type::String:
        break;
    }
    return "string";
  }

  void read_leaf(const Field& f, const YAML::Node& key, const YAML::Node& value, Values& out) {
    Value v;
    v.mark = value_mark(key, value);
    if (!read_value(f, key, value, v)) {
      v.valid = false;
      v.items.clear();
      v.entries.clear();
    } else if (value.IsScalar()) {
      v.scalar = {value.Scalar(), value.Mark()};
    }
    out[f.path] = std::move(v);
  }

  // Fills `v` from `value`; false (after reporting) when the value is refused.
  bool read_value(const Field& f, const YAML::Node& key, const YAML::Node& value, Value& v) {
    switch (f.type) {
      case Type::String:
        if (!check_scalar(f, key, value) || !check_text(f, f.path, value)) {
          return false;
        }
        break;
      case Type::Integer: {
        if (!check_scalar(f, key, value)) {
          return false;
        }
        const auto n = value.Tag() == "?" ? to_integer(value.Scalar()) : std::nullopt;
        if (!n) {
          diags_.add(value.Mark(), f.path + " must be an integer, not " + quoted(value.Scalar()));
          return false;
        }
        if (*n < f.min || *n > f.max) {
          diags_.add(value.Mark(), f.path + " must be between " + std::to_string(f.min) + " and " +
                                       std::to_string(f.max) + ", not " + value.Scalar());
          return false;
        }
        break;
      }
      case Type::Boolean:
        if (!check_scalar(f, key, value)) {
          return false;
        }
        if (value.Tag() != "?" || (value.Scalar() != "true" && value.Scalar() != "false")) {
          diags_.add(value.Mark(),
                     f.path + " must be true or false, not " + quoted(value.Scalar()));
          return false;
        }
        break;
      case Type::StringList:
        if (!read_list(f, key, value, v)) {
          return false;
        }
        break;
      case Type::StringMap:
        if (!read_string_map(f, key, value, v)) {
          return false;
        }
        break;
    }
    return true;
  }

  bool read_list(const Field& f, const YAML::Node& key, const YAML::Node& value, Value& v) {
    if (!value.IsSequence()) {
      diags_.add(value_mark(key, value), f.path + " must be a list, not " + describe(value));
      return false;
    }
    bool ok = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node item = value[i];
      const std::string what = f.path + "[" + std::to_string(i) + "]";
      if (!item.IsScalar()) {
        diags_.add(item.Mark(), what + " must be a string, not " + describe(item));
        ok = false;
      } else if (check_text(f, what, item)) {
        v.items.push_back({item.Scalar(), item.Mark()});
      } else {
        ok = false;
      }
    }
    return ok;
  }

  bool read_string_map(const Field& f, const YAML::Node& key, const YAML::Node& value, Value& v) {
    if (!value.IsMap()) {
      diags_.add(value_mark(key, value), f.path + " must be a mapping, not " + describe(value));
      return false;
    }
    if (!check_unique_keys(value, f.path, diags_)) {
      return false;
    }
    bool ok = true;
    for (const auto& entry : value) {
      const std::string name = entry.first.Scalar();
      const std::string what = f.path + "." + name;
      if (f.key_check != nullptr) {
        if (std::string problem = f.key_check(name); !problem.empty()) {
          diags_.add(entry.first.Mark(), what + ": " + problem);
          ok = false;
          continue;
        }
      }
      if (!entry.second.IsScalar()) {
        diags_.add(value_mark(entry.first, entry.second),
                   what + " must be a string, not " + describe(entry.second));
        ok = false;
      } else if (check_text(f, what, entry.second) && check_entry(f, what, name, entry.second)) {
        v.entries.push_back(
            {{name, entry.first.Mark()}, {entry.second.Scalar(), entry.second.Mark()}});
      } else {
        ok = false;
      }
    }
    return ok;
  }

  const std::vector<Field>& table_;
  std::string where_;
  FileDiagnostics& diags_;
};

}  // namespace

long long Value::integer() const { return to_integer(scalar.value).value_or(0); }

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "nothing";
  }
}

bool check_unique_keys(const YAML::Node& node, std::string_view where, FileDiagnostics& diags) {
  const std::string in = where.empty() ? "" : " in " + std::string(where);
  if (!node.IsMap()) {
    diags.add(node.Mark(), (where.empty() ? std::string("the document") : std::string(where)) +
                               " must be a mapping, not " + describe(node));
    return false;
  }
  std::map<std::string, YAML::Mark> seen;
  bool ok = true;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      diags.add(entry.first.Mark(), "keys" + in + " must be strings, not " + describe(entry.first));
      ok = false;
      continue;
    }
    const std::string key = entry.first.Scalar();
    auto [it, inserted] = seen.emplace(key, entry.first.Mark());
    if (!inserted) {
      diags.add(entry.first.Mark(), "duplicate key \"" + key + "\"" + in + " (first at line " +
                                        std::to_string(it->second.line + 1) + ")");
    }
  }
  return ok;
}

Values read_fields(const YAML::Node& node, const std::vector<Field>& table, std::string_view where,
                   FileDiagnostics& diags) {
  Values out;
  Reader(table, where, diags).read_map(node, "", out);
  return out;
}

}  // namespace commentsctl::schema
