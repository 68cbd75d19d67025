// Operator endpoints: liveness, readiness, version and Prometheus metrics.
#pragma once

#include <string>

#include "service/api/types.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/storage.hpp"

namespace comments::api {

class OpsHandlers {
 public:
  // `image_digest`: the image's digest as the manifests passed it in ("" when unknown).
  OpsHandlers(store::Storage& storage, Readiness& readiness, metrics::Metrics& metrics,
              std::string image_digest = {});

  Response healthz() const;
  Response readyz() const;
  Response version() const;
  Response metrics() const;

 private:
  store::Storage& storage_;
  Readiness& readiness_;
  metrics::Metrics& metrics_;
  std::string image_digest_;
};

}  // namespace comments::api
