// Image references as written in pins and on the command line: `host[:port]/path[:tag][@digest]`.
#pragma once

#include <optional>
#include <string>

namespace commentsctl::registry {

struct Reference {
  std::string registry;    // "registry.example.com", "127.0.0.1:5000"
  std::string repository;  // "comments/dev"
  std::string tag;         // may be empty when a digest is given
  std::string digest;      // may be empty

  // The manifest reference to ask for: the digest when known, else the tag.
  [[nodiscard]] const std::string& manifest_ref() const { return digest.empty() ? tag : digest; }
  [[nodiscard]] std::string str() const;
  // "registry/repository" without tag or digest.
  [[nodiscard]] std::string name() const;
};

// nullopt and `error` set when `text` is not a reference. A name without a registry part
// ("comments/dev") means Docker Hub, as docker and skopeo read it.
std::optional<Reference> parse_reference(const std::string& text, std::string& error);

// "host" and "port" of a registry part; the port is empty when not written.
void split_host_port(const std::string& registry, std::string& host, std::string& port);

}  // namespace commentsctl::registry
