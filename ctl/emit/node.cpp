// Building ordered YAML trees.
#include "emit/node.hpp"

#include <algorithm>

namespace commentsctl::emit {

Node Node::map(std::initializer_list<std::pair<std::string, Node>> entries) {
  Node n;
  n.kind_ = Kind::Map;
  for (const auto& [key, value] : entries) {
    n.set(key, value);
  }
  return n;
}

Node Node::sequence(std::initializer_list<Node> items) {
  Node n;
  n.kind_ = Kind::Sequence;
  n.items_.assign(items.begin(), items.end());
  return n;
}

Node& Node::set(const std::string& key, Node value) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
  if (it != entries_.end()) {
    it->second = std::move(value);
  } else {
    entries_.emplace_back(key, std::move(value));
  }
  return *this;
}

Node& Node::push(Node value) {
  items_.push_back(std::move(value));
  return *this;
}

const Node* Node::find(const std::string& key) const {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == key; });
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace commentsctl::emit
