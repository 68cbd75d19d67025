// An ordered YAML value tree: mappings keep the order keys were set in, which is what makes
// rendered manifests and release pins identical byte for byte from one run to the next.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace commentsctl::emit {

class Node {
 public:
  enum class Kind { Null, Boolean, Integer, String, Map, Sequence };

  Node() = default;
  Node(const char* s) : kind_(Kind::String), text_(s) {}             // NOLINT: implicit on purpose
  Node(std::string s) : kind_(Kind::String), text_(std::move(s)) {}  // NOLINT
  Node(int n) : kind_(Kind::Integer), integer_(n) {}                 // NOLINT
  Node(std::int64_t n) : kind_(Kind::Integer), integer_(n) {}        // NOLINT
  Node(bool b) : kind_(Kind::Boolean), boolean_(b) {}                // NOLINT

  static Node map(std::initializer_list<std::pair<std::string, Node>> entries = {});
  static Node sequence(std::initializer_list<Node> items = {});

  // Appends to a mapping (replacing an existing key in place) or a sequence.
  Node& set(const std::string& key, Node value);
  Node& push(Node value);

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] std::int64_t integer() const { return integer_; }
  [[nodiscard]] bool boolean() const { return boolean_; }
  [[nodiscard]] const std::vector<std::pair<std::string, Node>>& entries() const {
    return entries_;
  }
  [[nodiscard]] const std::vector<Node>& items() const { return items_; }
  // The value under `key` of a mapping, or nullptr.
  [[nodiscard]] const Node* find(const std::string& key) const;

 private:
  Kind kind_ = Kind::Null;
  std::string text_;
  std::int64_t integer_ = 0;
  bool boolean_ = false;
  std::vector<std::pair<std::string, Node>> entries_;
  std::vector<Node> items_;
};

}  // namespace commentsctl::emit
