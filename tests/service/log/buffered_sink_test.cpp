// Unit tests of the batched log sink: lines wait in memory until a flush, the interval or stop,
// arrive whole and in order, and none is lost when many threads log at once.
#include "service/log/buffered_sink.hpp"

#include <spdlog/logger.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using comments::log::BufferedSink;
using namespace std::chrono_literals;

namespace {

// A temporary file the sink writes to and the test reads back.
struct File {
  std::FILE* f = std::tmpfile();
  ~File() { std::fclose(f); }
  std::string text() const {
    std::string out;
    std::rewind(f);
    char chunk[4096];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
      out.append(chunk, n);
    }
    return out;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::shared_ptr<spdlog::logger> logger_to(const std::shared_ptr<BufferedSink>& sink) {
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  logger->set_pattern("%v");
  return logger;
}

}  // namespace

TEST_CASE("lines wait in memory until a flush, then arrive in order") {
  File file;
  auto sink = std::make_shared<BufferedSink>(file.f, 1 << 20, std::chrono::hours(1));
  auto logger = logger_to(sink);
  logger->info("one");
  logger->info("two");
  CHECK(file.text().empty());  // batched: nothing written yet
  logger->flush();
  CHECK(lines_of(file.text()) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("a full buffer is written without waiting for the interval") {
  File file;
  auto sink = std::make_shared<BufferedSink>(file.f, 16, std::chrono::hours(1));
  auto logger = logger_to(sink);
  logger->info("short");
  CHECK(file.text().empty());
  logger->info("long enough to fill it");
  CHECK(lines_of(file.text()) == std::vector<std::string>{"short", "long enough to fill it"});
}

TEST_CASE("the interval writes gathered lines while the sink runs") {
  File file;
  auto sink = std::make_shared<BufferedSink>(file.f, 1 << 20, 20ms);
  auto logger = logger_to(sink);
  logger->info("soon");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (file.text().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(file.text() == "soon\n");
}

TEST_CASE("stop writes what is gathered, and later lines are written at once") {
  File file;
  auto sink = std::make_shared<BufferedSink>(file.f, 1 << 20, std::chrono::hours(1));
  auto logger = logger_to(sink);
  logger->info("before stop");
  sink->stop();
  CHECK(file.text() == "before stop\n");
  logger->info("after stop");
  CHECK(file.text() == "before stop\nafter stop\n");
  sink->stop();  // idempotent
  CHECK(file.text() == "before stop\nafter stop\n");
}

TEST_CASE("lines logged by many threads all arrive whole, each thread's in order") {
  constexpr int kThreads = 8;
  constexpr int kLines = 5000;
  File file;
  {
    // A small buffer and a short interval: batches are written by loggers and the timer alike.
    auto sink = std::make_shared<BufferedSink>(file.f, 512, 1ms);
    auto logger = logger_to(sink);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kLines; ++i) {
          logger->info("thread={} line={} padding-to-make-lines-longer", t, i);
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
  }  // the sink's destructor writes the rest
  const auto lines = lines_of(file.text());
  REQUIRE(lines.size() == kThreads * kLines);
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    int t = -1;
    int i = -1;
    REQUIRE(std::sscanf(line.c_str(), "thread=%d line=%d padding-to-make-lines-longer", &t, &i) ==
            2);
    REQUIRE(t >= 0);
    REQUIRE(t < kThreads);
    REQUIRE(i == next[t]);
    ++next[t];
  }
}
