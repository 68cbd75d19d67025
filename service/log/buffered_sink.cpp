// Batching for the log sink: a string buffer under spdlog's sink mutex, written with write(2)
// (whole, across short writes), and a thread that flushes it every interval.
#include "service/log/buffered_sink.hpp"

#include <unistd.h>

#include <cerrno>

namespace comments::log {

BufferedSink::BufferedSink(std::FILE* file, std::size_t capacity,
                           std::chrono::milliseconds interval)
    : file_(file), capacity_(capacity), interval_(interval) {
  pending_.reserve(capacity_ + 1024);
  flusher_ = std::thread([this] {
    std::unique_lock lock(timer_mutex_);
    while (!timer_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

BufferedSink::~BufferedSink() { stop(); }

void BufferedSink::stop() {
  {
    std::lock_guard lock(timer_mutex_);
    stopping_ = true;
  }
  timer_.notify_all();
  if (flusher_.joinable() && flusher_.get_id() != std::this_thread::get_id()) {
    flusher_.join();
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
  write_pending();
}

void BufferedSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  pending_.append(formatted.data(), formatted.size());
  if (stopped_ || pending_.size() >= capacity_) {
    write_pending();
  }
}

void BufferedSink::flush_() { write_pending(); }

void BufferedSink::write_pending() {
  if (pending_.empty()) {
    return;
  }
  // Whatever others wrote through stdio to the same file goes first, as it was written first.
  std::fflush(file_);
  const int fd = fileno(file_);
  std::size_t done = 0;
  while (done < pending_.size()) {
    const auto n = ::write(fd, pending_.data() + done, pending_.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // nowhere to report it: the log is the report; drop the batch rather than spin
    }
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
}

}  // namespace comments::log
