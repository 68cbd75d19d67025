// Operator endpoints: liveness, readiness, version and Prometheus metrics.
#pragma once

#include "service/api/types.hpp"
#include "service/metrics/metrics.hpp"
#include "service/store/storage.hpp"

namespace comments::api {

class OpsHandlers {
 public:
  OpsHandlers(store::Storage& storage, Readiness& readiness, metrics::Metrics& metrics);

  Response healthz() const;
  Response readyz() const;
  Response version() const;
  Response metrics() const;

 private:
  store::Storage& storage_;
  Readiness& readiness_;
  metrics::Metrics& metrics_;
};

}  // namespace comments::api
