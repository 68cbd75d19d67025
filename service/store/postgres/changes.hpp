// The change feed that keeps list caches coherent across replicas. Every transaction that changes
// the comments table notifies the channel "comments_changes" (a trigger, so hand-made SQL edits
// count too), in the same transaction, with the contents it touched. Each replica LISTENs on a
// session of its own and also sends itself a heartbeat through the same queue: PostgreSQL delivers
// notifications in commit order, so when heartbeat k comes back, every commit before it has been
// reported. The cache may then serve lists until the heartbeat's send time plus the lease; when
// heartbeats stop coming back, or the session fails, it stops at once, and after reconnecting it
// is dropped whole, since notifications may have been missed meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "service/store/backend.hpp"
#include "service/store/postgres/session.hpp"

namespace comments::store::pg {

// The channel every change is notified on (the trigger of migration 2 sends there).
inline constexpr std::string_view kChangesChannel = "comments_changes";
// Payload: "ORIGIN ID ID…", or "ORIGIN *" for "anything may have changed" (too many contents
// for one notification, a TRUNCATE). ORIGIN is the writing replica's comments.origin setting, "-"
// for any other session.
struct ChangeMessage {
  std::string origin;
  bool everything = false;
  std::vector<std::string> content_ids;
};
ChangeMessage parse_change(std::string_view payload);

struct ChangeFeedTiming {
  std::chrono::milliseconds heartbeat{200};  // a heartbeat this often
  // Cached lists are served until a confirmed heartbeat's send time plus this: the staleness
  // bound when notifications silently stop (a network partition). Heartbeats slower than this
  // count as the channel being down.
  std::chrono::milliseconds lease{1000};
  // A heartbeat not back after this long means the session is dead though no error said so:
  // reconnect.
  std::chrono::milliseconds dead_after{3000};
  std::chrono::milliseconds reconnect{500};  // after a failure, wait this long before reconnecting
  std::chrono::milliseconds statement{2000};
};

class ChangeFeed {
 public:
  // Starts the listening thread at once. origin names this replica; its own changes are skipped
  // (its cache was updated before the writes were acknowledged).
  ChangeFeed(Connector connector, const Clock& clock, std::string origin, ChangeObserver& observer,
             ChangeFeedTiming timing = {});
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  std::string heartbeat_channel() const { return "comments_heartbeat_" + origin_; }

 private:
  void run();
  // One session, from connecting until it fails (throws StoreError) or the feed stops.
  void listen();
  void deliver(const Notification& n);
  bool stopping() const { return stopping_.load(); }
  void pause(std::chrono::milliseconds d);

  Connector connector_;
  const Clock& clock_;
  std::string origin_;
  ChangeObserver& observer_;
  ChangeFeedTiming timing_;

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool in_sync_ = false;  // the feed thread last told the observer in_sync_until
  std::thread thread_;
};

}  // namespace comments::store::pg
