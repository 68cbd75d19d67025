// Planning, copying and verifying a promotion through registry sessions.
#include "promote/promotion.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "registry/digest.hpp"

namespace commentsctl::promote {

using registry::Session;
using registry::short_digest;

namespace {

constexpr std::size_t max_config = 8 * 1024 * 1024;

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed;
  if (bytes >= 1024 * 1024) {
    out << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  } else if (bytes >= 1024) {
    out << static_cast<double>(bytes) / 1024.0 << " KiB";
  } else {
    out.precision(0);
    out << bytes << " B";
  }
  return out.str();
}

std::uint64_t Plan::bytes_to_copy() const {
  std::uint64_t total = 0;
  for (const auto& step : blobs) {
    if (step.action == BlobAction::Copy) {
      total += step.blob.size;
    }
  }
  return total;
}

bool Plan::complete() const {
  for (const auto& step : blobs) {
    if (step.action != BlobAction::Present) {
      return false;
    }
  }
  for (const auto& step : manifests) {
    if (!step.present) {
      return false;
    }
  }
  return tag == TagState::Same;
}

Plan make_plan(Session& src, const registry::Reference& source, Session& dst,
               const registry::Reference& destination) {
  Plan plan;
  plan.source = source;
  plan.destination = destination;
  plan.digest = source.digest;
  plan.same_registry = &src.registry() == &dst.registry() || src.name() == dst.name();

  auto root = src.get_manifest(source.repository, source.digest);
  std::vector<std::pair<registry::Manifest, std::string>> images;
  if (root.is_index) {
    for (const auto& child : root.children) {
      auto m = src.get_manifest(source.repository, child.digest);
      if (m.is_index) {
        throw PromotionError("index " + short_digest(root.digest) + " nests another index (" +
                             short_digest(child.digest) + "), which this tool does not copy");
      }
      images.emplace_back(std::move(m), child.platform);
    }
  } else {
    images.emplace_back(root, "");
  }

  std::set<std::string> seen;
  for (const auto& [image, platform] : images) {
    std::vector<registry::Descriptor> blobs{*image.config};
    blobs.insert(blobs.end(), image.layers.begin(), image.layers.end());
    for (const auto& blob : blobs) {
      if (blob.foreign || !seen.insert(blob.digest).second) {
        continue;
      }
      BlobStep step{blob, BlobAction::Copy};
      if (dst.head_blob(destination.repository, blob.digest)) {
        step.action = BlobAction::Present;
      } else if (plan.same_registry && source.repository != destination.repository) {
        step.action = BlobAction::Mount;
      }
      plan.blobs.push_back(step);
    }
    if (plan.revision.empty()) {
      const auto config = src.get_blob(source.repository, image.config->digest, max_config);
      try {
        const auto labels = registry::image_labels(config);
        if (auto it = labels.find(std::string(registry::revision_label)); it != labels.end()) {
          plan.revision = it->second;
        }
      } catch (const registry::ManifestError& e) {
        throw PromotionError("image config " + short_digest(image.config->digest) + ": " +
                             e.what());
      }
    }
  }
  for (auto& [image, platform] : images) {
    if (&image == &images.front().first && !root.is_index) {
      break;
    }
    const bool present = dst.head_manifest(destination.repository, image.digest).has_value();
    plan.manifests.push_back(ManifestStep{std::move(image), platform, present});
  }
  const bool root_present = dst.head_manifest(destination.repository, root.digest).has_value();
  plan.manifests.push_back(ManifestStep{std::move(root), "", root_present});

  if (auto current = dst.head_manifest(destination.repository, destination.tag)) {
    plan.tag_digest = current->digest;
    plan.tag = current->digest == plan.digest ? TagState::Same : TagState::Other;
  }
  return plan;
}

void print_plan(const Plan& plan, std::ostream& out) {
  out << "source:      " << plan.source.name() << "@" << plan.digest << "\n";
  out << "destination: " << plan.destination.name() << ":" << plan.destination.tag << "\n";
  out << "revision:    "
      << (plan.revision.empty() ? "(no " + std::string(registry::revision_label) + " label)"
                                : plan.revision)
      << "\n";
  for (const auto& step : plan.blobs) {
    const char* what = step.action == BlobAction::Present ? "present"
                       : step.action == BlobAction::Mount ? "mount  "
                                                          : "copy   ";
    out << "  blob     " << what << " " << step.blob.digest << " " << human_bytes(step.blob.size)
        << "\n";
  }
  for (const auto& step : plan.manifests) {
    out << "  manifest " << (step.present ? "present" : "push   ") << " " << step.manifest.digest
        << " " << step.manifest.media_type << (step.platform.empty() ? "" : " " + step.platform)
        << "\n";
  }
  switch (plan.tag) {
    case TagState::Absent:
      out << "  tag      create  " << plan.destination.tag << " -> " << short_digest(plan.digest)
          << "\n";
      break;
    case TagState::Same:
      out << "  tag      present " << plan.destination.tag << " -> " << short_digest(plan.digest)
          << "\n";
      break;
    case TagState::Other:
      out << "  tag      REFUSED " << plan.destination.tag << " already points to "
          << plan.tag_digest << "\n";
      break;
  }
  std::size_t mounts = 0;
  std::size_t copies = 0;
  for (const auto& step : plan.blobs) {
    mounts += step.action == BlobAction::Mount ? 1 : 0;
    copies += step.action == BlobAction::Copy ? 1 : 0;
  }
  out << "to do:       " << copies << " blob(s) to copy (" << human_bytes(plan.bytes_to_copy())
      << "), " << mounts << " to mount, " << plan.blobs.size() - copies - mounts << " present\n";
}

void execute(const Plan& plan, Session& src, Session& dst, std::ostream& progress, int parallel) {
  if (plan.tag == TagState::Other) {
    throw PromotionError("refusing to move tag " + plan.destination.tag + " of " +
                         plan.destination.name() + " from " + plan.tag_digest + " to " +
                         plan.digest + ": tags are never moved; promote under a new tag");
  }
  // Blobs first (mounts are one request each; copies stream side by side), so that every
  // manifest pushed below finds its content.
  std::vector<const BlobStep*> copies;
  for (const auto& step : plan.blobs) {
    if (step.action == BlobAction::Mount &&
        dst.mount_blob(plan.destination.repository, step.blob.digest, plan.source.repository)) {
      progress << "mounted  " << step.blob.digest << " " << human_bytes(step.blob.size) << "\n";
    } else if (step.action != BlobAction::Present) {
      copies.push_back(&step);
    }
  }
  std::mutex mutex;  // guards next, failure and progress; never held while copying
  std::size_t next = 0;
  std::exception_ptr failure;
  // Each worker copies through sessions of its own: no connection, and no wait for a retry, is
  // shared between workers.
  auto worker = [&](Session& from, Session& to) {
    while (true) {
      const BlobStep* step = nullptr;
      {
        const std::lock_guard lock(mutex);
        if (failure || next == copies.size()) {
          return;
        }
        step = copies[next++];
      }
      try {
        to.copy_blob(from, plan.source.repository, step->blob, plan.destination.repository);
        const std::lock_guard lock(mutex);
        progress << "copied   " << step->blob.digest << " " << human_bytes(step->blob.size) << "\n";
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!failure) {
          failure = std::current_exception();
        }
      }
    }
  };
  const auto threads = static_cast<std::size_t>(std::max(1, parallel));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < std::min(threads, copies.size()); ++i) {
    pool.emplace_back([&] {
      try {
        auto from = src.registry().session();
        auto to = dst.registry().session();
        worker(from, to);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!failure) {
          failure = std::current_exception();
        }
      }
    });
  }
  worker(src, dst);
  for (auto& t : pool) {
    t.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  for (const auto& step : plan.manifests) {
    if (!step.present) {
      dst.put_manifest(plan.destination.repository, step.manifest.digest, step.manifest);
      progress << "pushed   " << step.manifest.digest << " " << step.manifest.media_type << "\n";
    }
  }
  // The tag last, so that it only ever names complete content; checked again right before,
  // since someone may have pushed it since the plan was made.
  if (auto now = dst.head_manifest(plan.destination.repository, plan.destination.tag)) {
    if (now->digest != plan.digest) {
      throw PromotionError("refusing to move tag " + plan.destination.tag + " of " +
                           plan.destination.name() + ": it now points to " + now->digest);
    }
    return;
  }
  dst.put_manifest(plan.destination.repository, plan.destination.tag,
                   plan.manifests.back().manifest);
  progress << "tagged   " << plan.destination.name() << ":" << plan.destination.tag << " -> "
           << short_digest(plan.digest) << "\n";
}

void verify(const Plan& plan, Session& dst) {
  const auto tagged = dst.get_manifest(plan.destination.repository, plan.destination.tag);
  if (tagged.digest != plan.digest) {
    throw PromotionError(plan.destination.name() + ":" + plan.destination.tag + " resolves to " +
                         tagged.digest + ", not " + plan.digest);
  }
  for (const auto& step : plan.manifests) {
    if (!dst.head_manifest(plan.destination.repository, step.manifest.digest)) {
      throw PromotionError(plan.destination.name() + " lacks manifest " + step.manifest.digest);
    }
  }
  for (const auto& step : plan.blobs) {
    auto size = dst.head_blob(plan.destination.repository, step.blob.digest);
    if (!size) {
      throw PromotionError(plan.destination.name() + " lacks blob " + step.blob.digest);
    }
  }
}

}  // namespace commentsctl::promote
