// The listening thread: connect, LISTEN, then heartbeats and notifications until the session
// fails; the observer hears what changed, and for how long its cache may be served.
#include "service/store/postgres/changes.hpp"

#include <charconv>
#include <deque>

#include "service/log/logger.hpp"
#include "service/store/errors.hpp"

namespace comments::store::pg {
namespace {

using namespace std::chrono_literals;

std::string_view next_word(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  const auto end = s.find(' ');
  const auto word = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return word;
}

}  // namespace

ChangeMessage parse_change(std::string_view payload) {
  ChangeMessage m;
  m.origin = std::string(next_word(payload));
  for (auto id = next_word(payload); !id.empty(); id = next_word(payload)) {
    if (id == "*") {
      m.everything = true;
    } else {
      m.content_ids.emplace_back(id);
    }
  }
  // A payload naming nothing cannot say what changed: treat it as everything.
  if (m.content_ids.empty()) {
    m.everything = true;
  }
  return m;
}

ChangeFeed::ChangeFeed(Connector connector, const Clock& clock, std::string origin,
                       ChangeObserver& observer, ChangeFeedTiming timing)
    : connector_(std::move(connector)),
      clock_(clock),
      origin_(std::move(origin)),
      observer_(observer),
      timing_(timing),
      thread_([this] { run(); }) {}

ChangeFeed::~ChangeFeed() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ChangeFeed::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void ChangeFeed::run() {
  observer_.out_of_sync("not listening yet");
  std::string last_error;
  while (!stopping()) {
    try {
      listen();
    } catch (const std::exception& e) {
      if (in_sync_) {
        in_sync_ = false;
        observer_.out_of_sync(e.what());  // which says so
      } else if (last_error != e.what()) {
        log::warn("cannot listen for change notifications; retrying", {{"error", e.what()}});
      }
      last_error = e.what();
      pause(timing_.reconnect);
    }
  }
}

void ChangeFeed::listen() {
  auto session = connector_(Purpose::listen, clock_.now() + timing_.statement);
  const std::string listen_changes = "LISTEN " + std::string(kChangesChannel);
  const std::string heartbeat = heartbeat_channel();
  const std::string listen_heartbeat = "LISTEN " + heartbeat;
  // Heartbeats need no durability: asynchronous commit keeps them off the WAL flush.
  session->run(std::vector<Statement>{{nullptr, "SET synchronous_commit = off", {}},
                                      {nullptr, listen_changes.c_str(), {}},
                                      {nullptr, listen_heartbeat.c_str(), {}}},
               clock_.now() + timing_.statement);
  // Listening from here on; whatever was committed before may never have been reported.
  observer_.changed_all();

  struct Beat {
    std::uint64_t number;
    Deadline sent;
  };
  std::deque<Beat> waiting;  // sent, not back yet
  std::uint64_t next_number = 1;
  auto next_beat = clock_.now();
  while (!stopping()) {
    const auto now = clock_.now();
    if (!waiting.empty() && now - waiting.front().sent > timing_.dead_after) {
      throw StoreError(errc::unavailable, "no heartbeat came back within " +
                                              std::to_string(timing_.dead_after.count()) + " ms");
    }
    if (now >= next_beat) {
      const std::string number = std::to_string(next_number);
      waiting.push_back({next_number++, now});
      session->run(
          std::vector<Statement>{
              {nullptr, "SELECT pg_notify($1, $2)", {heartbeat.c_str(), number.c_str()}}},
          now + timing_.statement);
      next_beat = now + timing_.heartbeat;
    }
    auto n = session->wait_notification(std::min(next_beat, clock_.now() + timing_.heartbeat));
    for (; n; n = session->wait_notification(clock_.now())) {
      if (n->channel != heartbeat) {
        deliver(*n);
        continue;
      }
      std::uint64_t number = 0;
      std::from_chars(n->payload.data(), n->payload.data() + n->payload.size(), number);
      while (!waiting.empty() && waiting.front().number <= number) {
        if (waiting.front().number == number) {
          in_sync_ = true;
          observer_.in_sync_until(waiting.front().sent + timing_.lease);
        }
        waiting.pop_front();
      }
    }
  }
}

void ChangeFeed::deliver(const Notification& n) {
  auto m = parse_change(n.payload);
  if (m.origin == origin_) {
    return;  // this replica's own write: its cache was updated before acknowledging it
  }
  if (m.everything) {
    observer_.changed_all();
  } else {
    observer_.changed(m.content_ids);
  }
}

}  // namespace comments::store::pg
