// Reads /proc/self/{stat,statm,fd,limits}: the standard process_* metrics Prometheus clients
// export.
#include "service/metrics/process_collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace comments::metrics {
namespace {

prometheus::MetricFamily gauge(std::string name, std::string help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

ProcessCollector::ProcessCollector() {
  // Field 22 of /proc/self/stat is the start time in clock ticks after boot.
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  double start_ticks = 0;
  if (auto close = stat.rfind(')'); close != std::string::npos) {
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
      if (i == 22) {
        start_ticks = std::stod(field);
      }
    }
  }
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  start_time_seconds_ = boot_time_seconds() + start_ticks / ticks;
  if (start_time_seconds_ <= 0) {
    start_time_seconds_ =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  {
    std::ifstream statm("/proc/self/statm");
    double size = 0;
    double resident = 0;
    if (statm >> size >> resident) {
      out.push_back(
          gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", size * page));
      out.push_back(gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                          resident * page));
    }
  }
  {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
      const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
      out.push_back(gauge("process_cpu_seconds_total",
                          "Total user and system CPU time spent in seconds.", cpu,
                          prometheus::MetricType::Counter));
    }
  }
  {
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      fds += 1;
    }
    out.push_back(gauge("process_open_fds", "Number of open file descriptors.", fds));
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
      out.push_back(gauge("process_max_fds", "Maximum number of open file descriptors.",
                          static_cast<double>(lim.rlim_cur)));
    }
  }
  out.push_back(gauge("process_start_time_seconds",
                      "Start time of the process since unix epoch in seconds.",
                      start_time_seconds_));
  return out;
}

}  // namespace comments::metrics
