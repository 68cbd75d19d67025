// The asynchronous face of storage: group-committed writes on a writer thread, reads on a small
// pool, each completion delivered back on the caller's executor. HTTP threads never block here.
#pragma once

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "service/metrics/metrics.hpp"
#include "service/store/backend.hpp"

namespace comments::store {

struct StorageOptions {
  unsigned read_threads = 2;
  std::size_t max_batch = 1024;    // most comments in one transaction
  std::size_t max_queued = 16384;  // writes waiting beyond this are refused (errc::overloaded)
  std::chrono::milliseconds health_interval{1000};
};

class Storage {
 public:
  using AppendSignature = void(boost::system::error_code, std::int64_t);
  using ListSignature = void(boost::system::error_code, Page);
  using CountSignature = void(boost::system::error_code, std::vector<std::int64_t>);
  // Called on the writer thread after a batch committed and before any of it is acknowledged.
  using CommitListener = std::function<void(std::span<const NewComment>)>;

  Storage(std::unique_ptr<Backend> backend, StorageOptions options, metrics::Metrics& metrics);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void on_commit(CommitListener listener) { listener_ = std::move(listener); }

  // Stores the comment; completes with its id once its transaction committed.
  // (Arguments are taken by reference: GCC 12 mis-destroys temporaries inside co_await.)
  template <typename Token>
  auto async_append(NewComment&& comment, Token&& token) {
    return boost::asio::async_initiate<Token, AppendSignature>(
        [this](auto handler, NewComment c) {
          auto ex = completion_executor(handler);
          submit_append(std::move(c), std::move(ex), std::move(handler));
        },
        token, std::move(comment));
  }

  template <typename Token>
  auto async_list(std::string_view content_id, std::int64_t after_id, std::size_t limit,
                  Token&& token) {
    return boost::asio::async_initiate<Token, ListSignature>(
        [this](auto handler, std::string id, std::int64_t after, std::size_t n) {
          auto ex = completion_executor(handler);
          submit_list(std::move(id), after, n, std::move(ex), std::move(handler));
        },
        token, std::string(content_id), after_id, limit);
  }

  // Counts the comments of each content (Backend::count) on a reader thread.
  template <typename Token>
  auto async_count(std::vector<std::string>&& content_ids, Token&& token) {
    return boost::asio::async_initiate<Token, CountSignature>(
        [this](auto handler, std::vector<std::string> ids) {
          auto ex = completion_executor(handler);
          submit_count(std::move(ids), std::move(ex), std::move(handler));
        },
        token, std::move(content_ids));
  }

  // Runs fn(backend) on a read thread (moderation: rare, small, reads and writes alike) and
  // completes with its result, or the StoreError code it threw. Pass a named function object
  // (GCC 12 mis-destroys temporaries inside co_await).
  template <typename T, typename F, typename Token>
  auto async_call(F&& fn, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, T)>(
        [this](auto handler, std::function<T(Backend&)> f) {
          auto ex = completion_executor(handler);
          boost::asio::post(readers_, [this, f = std::move(f), ex = std::move(ex),
                                       h = std::move(handler)]() mutable {
            T result{};
            boost::system::error_code ec;
            try {
              result = f(*backend_);
              record(true, {});
            } catch (const StoreError& e) {
              ec = e.code();
              record(e.code() != errc::unavailable, e.what());
            } catch (const std::exception&) {
              ec = errc::internal;
            }
            boost::asio::post(ex, [h = std::move(h), ec, r = std::move(result)]() mutable {
              std::move(h)(ec, std::move(r));
            });
          });
        },
        token, std::function<T(Backend&)>(std::forward<F>(fn)));
  }

  // The last health verdict (periodic ping, and every operation's outcome).
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  std::string last_error() const;
  const Backend& backend() const { return *backend_; }

  // Commits what is queued, stops the threads. Idempotent.
  void stop();

 private:
  // Move-constructible only: Boost 1.81's any_completion_handler turns copies and assignments
  // into ever deeper wrappers of itself, so the queue never assigns (a deque, drained by moves).
  struct PendingAppend {
    PendingAppend(NewComment c, boost::asio::any_io_executor ex,
                  boost::asio::any_completion_handler<AppendSignature> h)
        : comment(std::move(c)), executor(std::move(ex)), handler(std::move(h)) {}
    PendingAppend(PendingAppend&&) noexcept = default;
    PendingAppend& operator=(PendingAppend&&) = delete;
    PendingAppend(const PendingAppend&) = delete;
    PendingAppend& operator=(const PendingAppend&) = delete;
    ~PendingAppend() = default;

    NewComment comment;
    boost::asio::any_io_executor executor;
    boost::asio::any_completion_handler<AppendSignature> handler;
  };

  // Where a handler must run, holding its context's outstanding work until it has run.
  template <typename Handler>
  static boost::asio::any_io_executor completion_executor(const Handler& handler) {
    return boost::asio::prefer(boost::asio::get_associated_executor(handler),
                               boost::asio::execution::outstanding_work.tracked);
  }

  void submit_append(NewComment c, boost::asio::any_io_executor ex,
                     boost::asio::any_completion_handler<AppendSignature> handler);
  void submit_list(std::string id, std::int64_t after, std::size_t limit,
                   boost::asio::any_io_executor ex,
                   boost::asio::any_completion_handler<ListSignature> handler);
  void submit_count(std::vector<std::string> ids, boost::asio::any_io_executor ex,
                    boost::asio::any_completion_handler<CountSignature> handler);
  // Runs read() on a reader thread, timed in series, and completes handler with its result.
  template <typename Result, typename Read, typename Handler>
  void read_on_pool(metrics::StorageSeries& series, const char* what, Read read,
                    boost::asio::any_io_executor ex, Handler handler);
  void writer_loop();
  // Completes each request of a batch with its id, errc::blocked, or ec when the batch failed.
  void complete_batch(std::vector<PendingAppend>& batch, boost::system::error_code ec,
                      const std::vector<std::int64_t>& ids);
  void health_loop();
  void record(bool ok, const std::string& error);

  std::unique_ptr<Backend> backend_;
  StorageOptions options_;
  metrics::StorageSeries& append_series_;
  metrics::StorageSeries& list_series_;
  metrics::StorageSeries& count_series_;
  metrics::StorageSeries& ping_series_;
  CommitListener listener_;

  std::mutex mutex_;
  std::condition_variable wake_;         // wakes the writer
  std::condition_variable health_wake_;  // wakes the health checker (only to stop)
  std::deque<PendingAppend> queue_;
  bool stopping_ = false;

  std::atomic<bool> healthy_{false};  // until the first ping, which the health thread runs at once
  mutable std::mutex error_mutex_;
  std::string last_error_ = "not checked yet";

  boost::asio::thread_pool readers_;
  std::thread writer_;
  std::thread health_;
};

}  // namespace comments::store
