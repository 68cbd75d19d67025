// Creates the metric families and resolves label children once per combination.
#include "service/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

#include "service/metrics/process_collector.hpp"

namespace comments::metrics {
namespace {

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

}  // namespace

Metrics::Metrics(std::vector<std::string> route_labels, std::string_view version,
                 std::string_view revision)
    : registry_(std::make_shared<prometheus::Registry>()), route_labels_(std::move(route_labels)) {
  auto& r = *registry_;
  requests_total_ = &prometheus::BuildCounter()
                         .Name("http_requests_total")
                         .Help("HTTP requests answered, by method, route template and status code")
                         .Register(r);
  request_duration_ = &prometheus::BuildHistogram()
                           .Name("http_request_duration_seconds")
                           .Help("Time from a request's last byte to its response's last byte")
                           .Register(r);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("http_requests_in_flight")
                    .Help("Requests being handled now")
                    .Register(r)
                    .Add({});
  connections_open_ = &prometheus::BuildGauge()
                           .Name("http_connections_open")
                           .Help("Open client connections")
                           .Register(r)
                           .Add({});
  connections_rejected_ = &prometheus::BuildCounter()
                               .Name("http_connections_rejected_total")
                               .Help(
                                   "Connections closed at once because a connection cap (total or "
                                   "per client) was reached")
                               .Register(r)
                               .Add({});
  requests_shed_ = &prometheus::BuildCounter()
                        .Name("http_requests_shed_total")
                        .Help(
                            "Requests refused with 503 because the in-flight limit or the body "
                            "memory budget was reached")
                        .Register(r)
                        .Add({});
  requests_rate_limited_ = &prometheus::BuildCounter()
                                .Name("http_requests_rate_limited_total")
                                .Help("API requests refused with 429 by the per-client rate limit")
                                .Register(r)
                                .Add({});
  comments_created_ = &prometheus::BuildCounter()
                           .Name("comments_created_total")
                           .Help("Comments stored and acknowledged")
                           .Register(r)
                           .Add({});
  ready_ = &prometheus::BuildGauge()
                .Name("comments_ready")
                .Help("1 when the service reports ready, 0 otherwise")
                .Register(r)
                .Add({});
  list_cache_synchronized_ =
      &prometheus::BuildGauge()
           .Name("list_cache_synchronized")
           .Help(
               "1 while cached lists may be served: no other process writes the storage, or "
               "change notifications from the other replicas are flowing; 0 while lists are "
               "read from storage on every request")
           .Register(r)
           .Add({});
  list_cache_resyncs_ = &prometheus::BuildCounter()
                             .Name("list_cache_resyncs_total")
                             .Help(
                                 "Times the list cache was dropped whole because change "
                                 "notifications had been interrupted")
                             .Register(r)
                             .Add({});
  storage_duration_ = &prometheus::BuildHistogram()
                           .Name("storage_operation_duration_seconds")
                           .Help("Storage operation latency, by backend and operation")
                           .Register(r);
  storage_errors_ = &prometheus::BuildCounter()
                         .Name("storage_errors_total")
                         .Help("Failed storage operations, by backend and operation")
                         .Register(r);
  prometheus::BuildGauge()
      .Name("comments_build_info")
      .Help("Build identity of the running service (always 1)")
      .Register(r)
      .Add({{"version", std::string(version)}, {"revision", std::string(revision)}})
      .Set(1);
  process_ = std::make_unique<ProcessCollector>();

  table_ = std::vector<std::atomic<RequestSeries*>>(route_labels_.size() * kMethods.size() *
                                                    kCodes.size());
}

Metrics::~Metrics() = default;

std::size_t Metrics::method_index(std::string_view method) {
  for (std::size_t i = 0; i + 2 < kMethods.size(); ++i) {
    if (kMethods[i] == method) {
      return i;
    }
  }
  return kMethods.size() - 2;  // OTHER
}

std::size_t Metrics::code_index(unsigned code) {
  for (std::size_t i = 0; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == code) {
      return i;
    }
  }
  return kCodes.size() - 1;
}

RequestSeries& Metrics::request(std::size_t route, std::string_view method, unsigned code) {
  const std::size_t m = method_index(method);
  const std::size_t c = code_index(code);
  const bool cacheable = route < route_labels_.size() && c + 1 < kCodes.size();
  const std::size_t slot = (route * kMethods.size() + m) * kCodes.size() + c;
  if (cacheable) {
    if (auto* hit = table_[slot].load(std::memory_order_acquire)) {
      return *hit;
    }
  }
  std::lock_guard lock(mutex_);
  if (cacheable) {
    if (auto* hit = table_[slot].load(std::memory_order_acquire)) {
      return *hit;
    }
  }
  prometheus::Labels labels{
      {"method", std::string(kMethods[m])},
      {"route", route < route_labels_.size() ? route_labels_[route] : std::string("unmatched")},
      {"code", std::to_string(code)}};
  auto series = std::make_unique<RequestSeries>(RequestSeries{
      &requests_total_->Add(labels), &request_duration_->Add(labels, latency_buckets())});
  auto* raw = series.get();
  owned_.push_back(std::move(series));
  if (cacheable) {
    table_[slot].store(raw, std::memory_order_release);
  }
  return *raw;
}

StorageSeries& Metrics::storage(std::string_view backend, std::string_view operation) {
  std::lock_guard lock(mutex_);
  std::string key = std::string(backend) + '/' + std::string(operation);
  for (auto& [k, s] : storage_series_) {
    if (k == key) {
      return *s;
    }
  }
  prometheus::Labels labels{{"backend", std::string(backend)},
                            {"operation", std::string(operation)}};
  auto s = std::make_unique<StorageSeries>(StorageSeries{
      &storage_duration_->Add(labels, latency_buckets()), &storage_errors_->Add(labels)});
  auto& ref = *s;
  storage_series_.emplace_back(std::move(key), std::move(s));
  return ref;
}

void Metrics::on_collect(std::function<void(Metrics&)> hook) {
  std::lock_guard lock(mutex_);
  collect_hooks_.push_back(std::move(hook));
}

std::string Metrics::serialize() {
  {
    std::lock_guard lock(mutex_);
    for (auto& hook : collect_hooks_) {
      hook(*this);
    }
  }
  auto families = registry_->Collect();
  auto process = process_->Collect();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace comments::metrics
