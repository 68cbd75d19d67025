// Reading, writing and checking release pins.
#include "release/pin.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "emit/writer.hpp"
#include "schema/document.hpp"
#include "schema/formats.hpp"

namespace commentsctl::release {
namespace {

using schema::Field;
using schema::Type;

std::string check_non_empty(std::string_view text) {
  return text.empty() ? "must not be empty" : "";
}

const std::vector<Field>& pin_table() {
  static const std::vector<Field> table = {
      {.path = "environment", .check = schema::check_dns_label},
      {.path = "image.repository", .check = schema::check_image_repository},
      {.path = "image.tag", .check = schema::check_image_tag},
      {.path = "image.digest", .check = schema::check_digest},
      {.path = "source.from", .check = check_non_empty},
      {.path = "source.revision", .check = check_non_empty},
      {.path = "source.pinnedAt", .check = check_non_empty},
      {.path = "verified.digest", .check = schema::check_digest},
      {.path = "verified.url", .check = check_non_empty},
      {.path = "verified.at", .check = check_non_empty},
  };
  return table;
}

std::optional<Pin> pin_from_node(const YAML::Node& root, const std::string& path,
                                 schema::Diagnostics& all) {
  const std::size_t before = all.size();
  schema::FileDiagnostics diags(all, path);
  schema::Values v = schema::read_fields(root, pin_table(), "", diags);
  Pin pin;
  pin.file = path;
  auto required = [&](const std::string& key) -> Located<std::string> {
    if (auto it = v.find(key); it != v.end()) {
      return it->second.scalar;
    }
    diags.add(root.Mark(), key + " is required");
    return {};
  };
  auto optional = [&](const std::string& key) -> std::optional<Located<std::string>> {
    if (auto it = v.find(key); it != v.end()) {
      return it->second.scalar;
    }
    return std::nullopt;
  };
  pin.environment = required("environment");
  pin.repository = required("image.repository");
  pin.tag = required("image.tag");
  pin.digest = optional("image.digest");
  pin.source_from = optional("source.from");
  pin.source_revision = optional("source.revision");
  pin.pinned_at = optional("source.pinnedAt");
  pin.verified_digest = optional("verified.digest");
  pin.verified_url = optional("verified.url");
  pin.verified_at = optional("verified.at");
  if (all.size() != before) {
    return std::nullopt;
  }
  return pin;
}

}  // namespace

std::string Pin::image() const {
  return digest ? repository.value + "@" + digest->value : repository.value + ":" + tag.value;
}

std::filesystem::path pin_path(const std::filesystem::path& releases_dir, const std::string& env) {
  return releases_dir / (env + ".yaml");
}

std::optional<Pin> read_pin(const std::string& path, schema::Diagnostics& diags) {
  auto root = schema::load_document(path, diags);
  return root ? pin_from_node(*root, path, diags) : std::nullopt;
}

std::optional<Pin> parse_pin(const std::string& text, const std::string& path,
                             schema::Diagnostics& diags) {
  auto root = schema::parse_document(text, path, diags);
  return root ? pin_from_node(*root, path, diags) : std::nullopt;
}

std::string format_pin(const Pin& pin) {
  using emit::Node;
  Node image = Node::map({{"repository", pin.repository.value}, {"tag", pin.tag.value}});
  if (pin.digest) {
    image.set("digest", pin.digest->value);
  }
  Node root = Node::map({{"environment", pin.environment.value}, {"image", image}});
  Node source = Node::map();
  for (const auto& [key, value] :
       {std::pair{"from", &pin.source_from}, std::pair{"revision", &pin.source_revision},
        std::pair{"pinnedAt", &pin.pinned_at}}) {
    if (*value) {
      source.set(key, (*value)->value);
    }
  }
  if (!source.entries().empty()) {
    root.set("source", source);
  }
  Node verified = Node::map();
  for (const auto& [key, value] :
       {std::pair{"digest", &pin.verified_digest}, std::pair{"url", &pin.verified_url},
        std::pair{"at", &pin.verified_at}}) {
    if (*value) {
      verified.set(key, (*value)->value);
    }
  }
  if (!verified.entries().empty()) {
    root.set("verified", verified);
  }
  return "# Release pin of environment " + pin.environment.value +
         ", written by commentsctl: do not edit by hand.\n" + emit::to_yaml(root);
}

void write_pin(const std::filesystem::path& path, const Pin& pin) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << format_pin(pin);
    out.close();
    if (!out) {
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    throw std::runtime_error("cannot replace " + path.string() + ": " + ec.message());
  }
}

void check_pin(const spec::Spec& spec, const spec::Environment& env, const Pin& pin,
               schema::Diagnostics& diags) {
  schema::FileDiagnostics d(diags, pin.file);
  if (pin.environment.value != env.name.value) {
    d.add(pin.environment.mark, "this pin is for environment \"" + pin.environment.value +
                                    "\", not \"" + env.name.value + "\"");
  }
  if (pin.repository.value != env.image_repository.value) {
    d.add(pin.repository.mark, "image.repository \"" + pin.repository.value +
                                   "\" differs from the environment's image.repository \"" +
                                   env.image_repository.value + "\" in " + spec.file);
  }
  if (env.require_digest.value && !pin.digest) {
    d.add(pin.tag.mark, "environment " + env.name.value +
                            " requires a digest pin (requireDigest in " + spec.file +
                            "), but this pin has only a tag; promote an image to pin its digest");
  }
}

}  // namespace commentsctl::release
