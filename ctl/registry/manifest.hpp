// Reading manifests and image configs fetched from a registry: which blobs and child manifests a
// manifest references, and the labels of an image. The bytes stay as fetched; only what a copy
// needs is extracted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace commentsctl::registry {

namespace media {
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
// The Accept header of every manifest request.
inline constexpr std::string_view accept_all =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::uint64_t size = 0;
  std::string platform;  // "linux/amd64" for index entries, else empty
  bool foreign = false;  // non-distributable layer with URLs: never pushed to a registry
};

struct Manifest {
  std::string media_type;  // from the JSON, else the Content-Type it was served with
  std::string bytes;       // exactly as served: its sha256 is its digest
  std::string digest;
  bool is_index = false;
  std::optional<Descriptor> config;  // image manifests
  std::vector<Descriptor> layers;    // image manifests
  std::vector<Descriptor> children;  // indexes
};

class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `bytes` served with `content_type` (may be empty). Throws ManifestError with what is
// wrong: not JSON, an unsupported media type (schema 1), a descriptor without a valid digest.
Manifest parse_manifest(std::string bytes, std::string_view content_type);

// The `config.Labels` of an image config blob (empty when it has none). Throws ManifestError
// when the blob is not a JSON object.
std::map<std::string, std::string> image_labels(std::string_view config_json);

inline constexpr std::string_view revision_label = "org.opencontainers.image.revision";

}  // namespace commentsctl::registry
