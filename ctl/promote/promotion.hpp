// Copying one image (a manifest or an index with its children) from a source repository to a
// destination by digest: the plan of what exists and what must move, its execution in an order
// that never lets the destination tag point at missing content, and the final check.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "registry/reference.hpp"
#include "registry/session.hpp"

namespace commentsctl::promote {

enum class BlobAction { Present, Mount, Copy };
enum class TagState { Absent, Same, Other };

struct BlobStep {
  registry::Descriptor blob;
  BlobAction action = BlobAction::Copy;
};

struct ManifestStep {
  registry::Manifest manifest;
  std::string platform;  // for an index's children
  bool present = false;  // the destination already has it (by digest)
};

struct Plan {
  registry::Reference source;       // with the digest resolved
  registry::Reference destination;  // repository and tag
  std::string digest;               // of the root manifest, the same on both sides
  bool same_registry = false;
  std::vector<BlobStep> blobs;          // each digest once
  std::vector<ManifestStep> manifests;  // children first, the root last
  TagState tag = TagState::Absent;
  std::string tag_digest;  // what the destination tag points to now
  std::string revision;    // org.opencontainers.image.revision of the image config

  [[nodiscard]] std::uint64_t bytes_to_copy() const;
  [[nodiscard]] bool complete() const;  // nothing to copy and the tag in place
};

class PromotionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the source tree and asks the destination what it already has. `source` must carry a
// digest; `destination` a tag. The two sessions may be the same object.
Plan make_plan(registry::Session& source_session, const registry::Reference& source,
               registry::Session& destination_session, const registry::Reference& destination);

// The plan for humans, one line per step.
void print_plan(const Plan& plan, std::ostream& out);

// Copies what is missing: every config and layer (mounted, or streamed by up to `parallel`
// copies at once, each worker with its own pair of sessions), then the image manifests by
// digest, the index by digest, and the tag last, after checking it still points nowhere or at
// the same digest. Throws PromotionError (a tag that moved meanwhile) or
// registry::RegistryError.
void execute(const Plan& plan, registry::Session& source_session,
             registry::Session& destination_session, std::ostream& progress, int parallel = 4);

// The destination tag resolves to the plan's digest and every manifest and blob is there.
// Throws PromotionError saying what is missing or different.
void verify(const Plan& plan, registry::Session& destination_session);

std::string human_bytes(std::uint64_t bytes);

}  // namespace commentsctl::promote
