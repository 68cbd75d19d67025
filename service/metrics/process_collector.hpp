// Process metrics (memory, CPU, file descriptors, start time) read from /proc at scrape time.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace comments::metrics {

class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double start_time_seconds_;
};

}  // namespace comments::metrics
