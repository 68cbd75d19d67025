// Manifest and image config JSON through Boost.JSON, every field checked before it is used.
#include "registry/manifest.hpp"

#include <boost/json.hpp>

#include "registry/digest.hpp"

namespace commentsctl::registry {
namespace json = boost::json;
namespace {

std::string string_field(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

Descriptor read_descriptor(const json::value& v, const std::string& where) {
  const auto* obj = v.if_object();
  if (obj == nullptr) {
    throw ManifestError(where + " is not an object");
  }
  Descriptor d;
  d.media_type = string_field(*obj, "mediaType");
  d.digest = string_field(*obj, "digest");
  if (!is_sha256_digest(d.digest)) {
    throw ManifestError(where + ".digest \"" + d.digest +
                        "\" is not sha256: and 64 lower-case hex digits");
  }
  const auto* size = obj->if_contains("size");
  if (size == nullptr || !(size->is_int64() || size->is_uint64()) ||
      (size->is_int64() && size->as_int64() < 0)) {
    throw ManifestError(where + ".size must be a non-negative integer");
  }
  d.size = size->is_uint64() ? size->as_uint64() : static_cast<std::uint64_t>(size->as_int64());
  if (const auto* platform = obj->if_contains("platform"); platform && platform->is_object()) {
    d.platform = string_field(platform->as_object(), "os") + "/" +
                 string_field(platform->as_object(), "architecture");
    if (auto variant = string_field(platform->as_object(), "variant"); !variant.empty()) {
      d.platform += "/" + variant;
    }
  }
  const auto* urls = obj->if_contains("urls");
  d.foreign = d.media_type.find("nondistributable") != std::string::npos ||
              d.media_type.find("foreign") != std::string::npos ||
              (urls != nullptr && urls->is_array() && !urls->as_array().empty());
  return d;
}

}  // namespace

Manifest parse_manifest(std::string bytes, std::string_view content_type) {
  Manifest m;
  m.digest = sha256_digest(bytes);
  boost::system::error_code ec;
  const json::value doc = json::parse(bytes, ec);
  if (ec) {
    throw ManifestError("the manifest is not JSON: " + ec.message());
  }
  const auto* obj = doc.if_object();
  if (obj == nullptr) {
    throw ManifestError("the manifest is not a JSON object");
  }
  m.media_type = string_field(*obj, "mediaType");
  if (m.media_type.empty()) {
    // OCI makes mediaType optional; the Content-Type (without parameters) says what it is.
    m.media_type = std::string(content_type.substr(0, content_type.find(';')));
  }
  if (m.media_type.empty()) {
    m.media_type = obj->contains("manifests") ? media::oci_index : media::oci_manifest;
  }
  if (m.media_type == media::oci_index || m.media_type == media::docker_list) {
    m.is_index = true;
    const auto* list = obj->if_contains("manifests");
    if (list == nullptr || !list->is_array()) {
      throw ManifestError("the index has no \"manifests\" list");
    }
    std::size_t i = 0;
    for (const auto& entry : list->as_array()) {
      m.children.push_back(read_descriptor(entry, "manifests[" + std::to_string(i++) + "]"));
    }
  } else if (m.media_type == media::oci_manifest || m.media_type == media::docker_manifest) {
    const auto* config = obj->if_contains("config");
    if (config == nullptr) {
      throw ManifestError("the image manifest has no \"config\"");
    }
    m.config = read_descriptor(*config, "config");
    const auto* layers = obj->if_contains("layers");
    if (layers == nullptr || !layers->is_array()) {
      throw ManifestError("the image manifest has no \"layers\" list");
    }
    std::size_t i = 0;
    for (const auto& entry : layers->as_array()) {
      m.layers.push_back(read_descriptor(entry, "layers[" + std::to_string(i++) + "]"));
    }
  } else {
    throw ManifestError("unsupported manifest media type \"" + m.media_type +
                        "\" (OCI or Docker schema 2 manifests and indexes only)");
  }
  m.bytes = std::move(bytes);
  return m;
}

std::map<std::string, std::string> image_labels(std::string_view config_json) {
  boost::system::error_code ec;
  const json::value doc = json::parse(config_json, ec);
  if (ec || !doc.is_object()) {
    throw ManifestError("the image config is not a JSON object");
  }
  std::map<std::string, std::string> labels;
  const auto* config = doc.as_object().if_contains("config");
  const auto* obj = config != nullptr ? config->if_object() : nullptr;
  const auto* l = obj != nullptr ? obj->if_contains("Labels") : nullptr;
  if (l != nullptr && l->is_object()) {
    for (const auto& [key, value] : l->as_object()) {
      if (value.is_string()) {
        labels.emplace(std::string(key), std::string(value.as_string()));
      }
    }
  }
  return labels;
}

}  // namespace commentsctl::registry
