// Group commit: the writer takes everything queued while the previous transaction committed,
// stores it in one transaction, then completes each request on its own executor.
#include "service/store/storage.hpp"

#include <algorithm>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <chrono>

#include "service/log/logger.hpp"

namespace comments::store {
namespace {

namespace asio = boost::asio;

// Runs handler(args...) on the executor it came from.
template <typename Handler, typename... Args>
void complete(const asio::any_io_executor& ex, Handler handler, Args... args) {
  asio::post(ex, [h = std::move(handler), ... a = std::move(args)]() mutable {
    std::move(h)(std::move(a)...);
  });
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Storage::Storage(std::unique_ptr<Backend> backend, StorageOptions options,
                 metrics::Metrics& metrics)
    : backend_(std::move(backend)),
      options_(options),
      append_series_(metrics.storage(backend_->name(), "append")),
      list_series_(metrics.storage(backend_->name(), "list")),
      count_series_(metrics.storage(backend_->name(), "count")),
      ping_series_(metrics.storage(backend_->name(), "ping")),
      readers_(options.read_threads),
      writer_([this] { writer_loop(); }),
      health_([this] { health_loop(); }) {}

Storage::~Storage() { stop(); }

void Storage::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  health_wake_.notify_all();
  writer_.join();
  health_.join();
  readers_.join();
}

std::string Storage::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void Storage::record(bool ok, const std::string& error) {
  const bool was = healthy_.exchange(ok, std::memory_order_relaxed);
  bool new_reason = false;
  if (!ok) {
    std::lock_guard lock(error_mutex_);
    new_reason = last_error_ != error;
    last_error_ = error;
  }
  if (ok && !was) {
    log::info("storage available again", {{"backend", backend_->name()}});
  } else if (!ok && (was || new_reason)) {
    // The only place the reason is told (/readyz does not): also when storage was never up.
    log::error("storage unavailable", {{"backend", backend_->name()}, {"error", error}});
  }
}

void Storage::submit_append(NewComment c, asio::any_io_executor ex,
                            asio::any_completion_handler<AppendSignature> handler) {
  {
    std::unique_lock lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.emplace_back(std::move(c), std::move(ex), std::move(handler));
      const bool first = queue_.size() == 1;
      lock.unlock();
      if (first) {
        wake_.notify_one();
      }
      return;
    }
  }
  complete(ex, std::move(handler), boost::system::error_code(errc::overloaded), std::int64_t{0});
}

// One post per executor (an io thread), not one per comment: a batch wakes each io thread once.
void Storage::complete_batch(std::vector<PendingAppend>& batch, boost::system::error_code ec,
                             const std::vector<std::int64_t>& ids) {
  struct Done {
    asio::any_completion_handler<AppendSignature> handler;
    boost::system::error_code ec;
    std::int64_t id;
  };
  std::vector<std::pair<asio::any_io_executor, std::vector<Done>>> groups;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& p = batch[i];
    Done done{std::move(p.handler), ec, 0};
    if (!ec) {
      if (ids[i] == kRefusedByBlock) {
        done.ec = errc::blocked;
      } else {
        done.id = ids[i];
      }
    }
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& g) { return g.first == p.executor; });
    if (group == groups.end()) {
      group = groups.emplace(groups.end(), std::move(p.executor), std::vector<Done>{});
    }
    group->second.push_back(std::move(done));
  }
  for (auto& [ex, done] : groups) {
    asio::post(ex, [done = std::move(done)]() mutable {
      for (auto& d : done) {
        std::move(d.handler)(d.ec, d.id);
      }
    });
  }
}

void Storage::writer_loop() {
  std::vector<PendingAppend> batch;
  batch.reserve(options_.max_batch);
  std::vector<NewComment> comments;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and everything queued is committed
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.emplace_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    comments.clear();
    for (auto& p : batch) {
      comments.push_back(std::move(p.comment));
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::int64_t> ids;
    boost::system::error_code ec;
    try {
      ids = backend_->append(comments);
      record(true, {});
    } catch (const StoreError& e) {
      ec = e.code();
      record(e.code() != errc::unavailable, e.what());
      log::error("storing comments failed", {{"error", e.what()}, {"count", comments.size()}});
    } catch (const std::exception& e) {
      ec = errc::internal;
      log::error("storing comments failed", {{"error", e.what()}, {"count", comments.size()}});
    }
    append_series_.duration->Observe(seconds_since(t0));
    if (ec) {
      append_series_.errors->Increment();
    } else if (listener_) {
      // The cache hears of the comments stored, not of those a block refused.
      std::size_t stored = 0;
      for (std::size_t i = 0; i < comments.size(); ++i) {
        if (ids[i] != kRefusedByBlock) {
          if (stored != i) {
            comments[stored] = std::move(comments[i]);
          }
          ++stored;
        }
      }
      comments.resize(stored);
      listener_(comments);
    }
    complete_batch(batch, ec, ids);
    batch.clear();
  }
}

template <typename Result, typename Read, typename Handler>
void Storage::read_on_pool(metrics::StorageSeries& series, const char* what, Read read,
                           asio::any_io_executor ex, Handler handler) {
  asio::post(readers_, [this, &series, what, read = std::move(read), ex = std::move(ex),
                        h = std::move(handler)]() mutable {
    const auto t0 = std::chrono::steady_clock::now();
    Result result{};
    boost::system::error_code ec;
    try {
      result = read();
      record(true, {});
    } catch (const StoreError& e) {
      ec = e.code();
      record(e.code() != errc::unavailable, e.what());
    } catch (const std::exception& e) {
      ec = errc::internal;
      log::error(std::string(what) + " failed", {{"error", e.what()}});
    }
    series.duration->Observe(seconds_since(t0));
    if (ec) {
      series.errors->Increment();
    }
    complete(ex, std::move(h), ec, std::move(result));
  });
}

void Storage::submit_list(std::string id, std::int64_t after, std::size_t limit,
                          asio::any_io_executor ex,
                          asio::any_completion_handler<ListSignature> handler) {
  read_on_pool<Page>(
      list_series_, "listing comments",
      [this, id = std::move(id), after, limit] { return backend_->list(id, after, limit); },
      std::move(ex), std::move(handler));
}

void Storage::submit_count(std::vector<std::string> ids, asio::any_io_executor ex,
                           asio::any_completion_handler<CountSignature> handler) {
  read_on_pool<std::vector<std::int64_t>>(
      count_series_, "counting comments",
      [this, ids = std::move(ids)] {
        auto counts = backend_->count(ids);
        if (counts.size() != ids.size()) {
          throw StoreError(errc::internal, "the backend counted " + std::to_string(counts.size()) +
                                               " of " + std::to_string(ids.size()) + " contents");
        }
        return counts;
      },
      std::move(ex), std::move(handler));
}

void Storage::health_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      backend_->ping();
      record(true, {});
    } catch (const std::exception& e) {
      ping_series_.errors->Increment();
      record(false, e.what());
    }
    ping_series_.duration->Observe(seconds_since(t0));
    lock.lock();
    health_wake_.wait_for(lock, options_.health_interval, [this] { return stopping_; });
  }
}

}  // namespace comments::store
