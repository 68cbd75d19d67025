// The log's output: lines gather in memory and reach the file in batches (when the buffer is
// full, when a line that must be seen at once is flushed, every interval from a background
// thread, and when the sink stops), so a busy service makes one write() per batch instead of one
// per access line. Lines keep the order they were logged in; none is cut or lost before stop().
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace comments::log {

class BufferedSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // file: where lines go (stdout for the service); capacity: bytes gathered before a write;
  // interval: the longest a line waits in memory while the service runs.
  BufferedSink(std::FILE* file, std::size_t capacity, std::chrono::milliseconds interval);
  ~BufferedSink() override;
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;

  // Ends the background flushes and writes what is gathered; later lines are written at once.
  // Idempotent.
  void stop();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void write_pending();

  std::FILE* file_;
  std::size_t capacity_;
  std::chrono::milliseconds interval_;
  std::string pending_;
  bool stopped_ = false;  // guarded by base_sink's mutex_

  std::mutex timer_mutex_;
  std::condition_variable timer_;
  bool stopping_ = false;  // guarded by timer_mutex_
  std::thread flusher_;
};

}  // namespace comments::log
