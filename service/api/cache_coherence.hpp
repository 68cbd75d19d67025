// Keeps the list cache coherent with writes made by other replicas: what the storage backend
// reports (store::ChangeObserver) becomes invalidations, a whole-cache drop after interrupted
// notifications, and the time until which cached lists may be served. Says so in the
// list_cache_synchronized gauge and a log line whenever that changes.
#pragma once

#include <atomic>
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "service/api/list_cache.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/backend.hpp"

namespace comments::api {

class CacheCoherence final : public store::ChangeObserver {
 public:
  CacheCoherence(ListCache& cache, metrics::Metrics& metrics);

  void changed(std::span<const std::string> content_ids) override;
  void changed_all() override;
  void in_sync_until(std::chrono::steady_clock::time_point until) override;
  void out_of_sync(std::string_view reason) override;

 private:
  ListCache& cache_;
  metrics::Metrics& metrics_;
  bool synchronized_ = false;  // touched only by the backend's reporting thread
  bool interrupted_ = false;   // out of sync after having been in sync: the next drop is a resync
  bool resynced_ = false;      // dropped after an interruption: the next in-sync ends an outage
};

}  // namespace comments::api
