// The Prometheus registry and every metric family of the service, created once at start-up.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace comments::metrics {

class ProcessCollector;

// The label children of one (method, route, code) combination, resolved once and kept.
struct RequestSeries {
  prometheus::Counter* count;
  prometheus::Histogram* duration;
};

// The label children of one storage operation.
struct StorageSeries {
  prometheus::Histogram* duration;
  prometheus::Counter* errors;
};

class Metrics {
 public:
  // route_labels are the route templates; requests are recorded by index into this list.
  Metrics(std::vector<std::string> route_labels, std::string_view version,
          std::string_view revision);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Lock-free after the first use of a combination; method is a label such as "GET".
  RequestSeries& request(std::size_t route, std::string_view method, unsigned code);
  StorageSeries& storage(std::string_view backend, std::string_view operation);

  prometheus::Gauge& in_flight() { return *in_flight_; }
  prometheus::Gauge& connections_open() { return *connections_open_; }
  prometheus::Counter& connections_rejected() { return *connections_rejected_; }
  prometheus::Counter& requests_shed() { return *requests_shed_; }
  prometheus::Counter& requests_rate_limited() { return *requests_rate_limited_; }
  prometheus::Counter& comments_created() { return *comments_created_; }
  prometheus::Gauge& ready() { return *ready_; }
  prometheus::Gauge& list_cache_synchronized() { return *list_cache_synchronized_; }
  prometheus::Counter& list_cache_resyncs() { return *list_cache_resyncs_; }

  // Runs before every scrape, to set gauges from counters kept elsewhere.
  void on_collect(std::function<void(Metrics&)> hook);
  // The text exposition format of everything registered.
  std::string serialize();
  prometheus::Registry& registry() { return *registry_; }

 private:
  static constexpr std::array<std::string_view, 5> kMethods{"GET", "HEAD", "POST", "OTHER", ""};
  static constexpr std::array<unsigned, 14> kCodes{200, 304, 400, 404, 405, 408, 413,
                                                   415, 429, 431, 500, 503, 505, 0};
  static std::size_t method_index(std::string_view method);
  static std::size_t code_index(unsigned code);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ProcessCollector> process_;
  std::vector<std::string> route_labels_;
  prometheus::Family<prometheus::Counter>* requests_total_;
  prometheus::Family<prometheus::Histogram>* request_duration_;
  prometheus::Family<prometheus::Histogram>* storage_duration_;
  prometheus::Family<prometheus::Counter>* storage_errors_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* connections_open_;
  prometheus::Counter* connections_rejected_;
  prometheus::Counter* requests_shed_;
  prometheus::Counter* requests_rate_limited_;
  prometheus::Counter* comments_created_;
  prometheus::Gauge* ready_;
  prometheus::Gauge* list_cache_synchronized_;
  prometheus::Counter* list_cache_resyncs_;

  std::mutex mutex_;  // guards the slow path that creates children
  std::vector<std::unique_ptr<RequestSeries>> owned_;
  std::vector<std::atomic<RequestSeries*>> table_;
  std::vector<std::pair<std::string, std::unique_ptr<StorageSeries>>> storage_series_;
  std::vector<std::function<void(Metrics&)>> collect_hooks_;
};

}  // namespace comments::metrics
