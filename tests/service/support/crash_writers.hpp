// Writers that POST comments to one content id until told to stop or until the service dies
// under them, keeping the text of every acknowledged comment: the writing half of the kill -9
// tests, which then check that every acknowledged comment was stored.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace comments::testing {

class CrashWriters {
 public:
  // threads writers, each on its own connection to port; content_id is the JSON value sent.
  CrashWriters(std::uint16_t port, std::string content_id, int threads = 8);
  ~CrashWriters();
  CrashWriters(const CrashWriters&) = delete;
  CrashWriters& operator=(const CrashWriters&) = delete;

  std::size_t acknowledged_count() const;
  // Stops the writers (those the service did not already stop), waits for them, and returns the
  // texts of the comments the service acknowledged with a 200.
  std::set<std::string> stop();

 private:
  void write(int index, std::uint16_t port, const std::string& content_id);

  mutable std::mutex mutex_;
  std::set<std::string> acknowledged_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace comments::testing
