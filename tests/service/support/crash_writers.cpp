// Writers that POST comments until stopped or until the service dies under them.
#include "tests/service/support/crash_writers.hpp"

#include <exception>

#include "tests/service/support/http_client.hpp"

namespace comments::testing {

CrashWriters::CrashWriters(std::uint16_t port, std::string content_id, int threads) {
  for (int w = 0; w < threads; ++w) {
    threads_.emplace_back([this, w, port, content_id] { write(w, port, content_id); });
  }
}

CrashWriters::~CrashWriters() { stop(); }

void CrashWriters::write(int index, std::uint16_t port, const std::string& content_id) {
  HttpClient c(port);
  for (int i = 0; i < 100000 && !stop_.load(); ++i) {
    const std::string text = std::to_string(index) + ":" + std::to_string(i);
    try {
      if (c.post_comment("k@example.com", text, content_id).status == 200) {
        std::lock_guard lock(mutex_);
        acknowledged_.insert(text);
      }
    } catch (const std::exception&) {
      return;  // the service died under us: this comment was never acknowledged
    }
  }
}

std::size_t CrashWriters::acknowledged_count() const {
  std::lock_guard lock(mutex_);
  return acknowledged_.size();
}

std::set<std::string> CrashWriters::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

}  // namespace comments::testing
