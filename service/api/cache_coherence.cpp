// Change reports → list cache operations, metrics and log lines.
#include "service/api/cache_coherence.hpp"

#include "service/log/logger.hpp"

namespace comments::api {

CacheCoherence::CacheCoherence(ListCache& cache, metrics::Metrics& metrics)
    : cache_(cache), metrics_(metrics) {
  cache_.serve_until({});  // nothing cached is served until the backend vouches for it
  metrics_.list_cache_synchronized().Set(0);
}

void CacheCoherence::changed(std::span<const std::string> content_ids) {
  for (const auto& id : content_ids) {
    cache_.invalidate(id);
  }
}

void CacheCoherence::changed_all() {
  cache_.clear();
  if (interrupted_) {
    interrupted_ = false;
    resynced_ = true;
    metrics_.list_cache_resyncs().Increment();
  }
}

void CacheCoherence::in_sync_until(std::chrono::steady_clock::time_point until) {
  cache_.serve_until(until);
  if (!synchronized_) {
    synchronized_ = true;
    metrics_.list_cache_synchronized().Set(1);
    if (resynced_) {
      // At the level of the line that said it was off, so that both ends of the outage show.
      resynced_ = false;
      log::warn(
          "list cache on again: other replicas' changes are reported; the whole cache was "
          "dropped, since changes may have been missed meanwhile");
    } else if (until != std::chrono::steady_clock::time_point::max()) {
      log::info("list cache on: other replicas' changes are reported");
    }
  }
}

void CacheCoherence::out_of_sync(std::string_view reason) {
  cache_.serve_until({});  // nothing cached is served from now on
  if (synchronized_) {
    synchronized_ = false;
    interrupted_ = true;
    metrics_.list_cache_synchronized().Set(0);
    log::warn(
        "list cache off: other replicas' changes are not reported; lists are read from "
        "storage until they are",
        {{"reason", reason}});
  }
}

}  // namespace comments::api
