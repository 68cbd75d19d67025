// The YAML writer: strings read back as the same strings, in YAML 1.1 and 1.2 readers alike.
#include "emit/writer.hpp"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

namespace commentsctl::testing {

using emit::Node;

TEST_CASE("strings another reader could take for something else are quoted", "[writer]") {
  // YAML 1.1 (kubectl) reads these as booleans, numbers or null when unquoted.
  for (const std::string s :
       {"true", "on", "Off", "y",  "N",   "yes",  "null", "~",  "0755", "1e3", "8000", "1:20",
        ".5",   "",   "-x",  "#c", "a b", "a: b", "x:",   "*x", "!t",   "@x",  "é"}) {
    INFO(s);
    CHECK_FALSE(emit::is_plain_safe(s));
  }
  for (const std::string s : {"comments", "app.kubernetes.io/name", "/healthz", "RuntimeDefault",
                              "registry.example.com/c@sha256:abc", "sqlite:/var/lib/x.db"}) {
    INFO(s);
    CHECK(emit::is_plain_safe(s));
  }
}

TEST_CASE("every string reads back unchanged", "[writer]") {
  const std::vector<std::string> samples = {
      "true", "0755", "", "a \"quoted\" \\ word", "two\nlines\ttab", "é ü", std::string("nul\x01")};
  Node root = Node::map();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    root.set("k" + std::to_string(i), samples[i]);
  }
  const YAML::Node back = YAML::Load(emit::to_yaml(root));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    CHECK(back["k" + std::to_string(i)].as<std::string>() == samples[i]);
    CHECK(back["k" + std::to_string(i)].Tag() == "!");  // quoted: never resolved to another type
  }
}

TEST_CASE("the layout is fixed: key order as built, sequences indented", "[writer]") {
  const Node n = Node::map({{"b", 1},
                            {"a", Node::sequence({Node::map({{"x", true}, {"y", "z"}}), "s"})},
                            {"empty", Node::map()},
                            {"none", Node::sequence()},
                            {"nested", Node::sequence({Node::sequence({1, 2})})}});
  CHECK(emit::to_yaml(n) ==
        "b: 1\n"
        "a:\n"
        "  - x: true\n"
        "    \"y\": z\n"  // a plain y is the boolean true in YAML 1.1
        "  - s\n"
        "empty: {}\n"
        "none: []\n"
        "nested:\n"
        "  -\n"
        "    - 1\n"
        "    - 2\n");
}

TEST_CASE("setting a key again replaces it in place", "[writer]") {
  Node n = Node::map({{"a", 1}, {"b", 2}});
  n.set("a", 3);
  CHECK(emit::to_yaml(n) == "a: 3\nb: 2\n");
}

}  // namespace commentsctl::testing
