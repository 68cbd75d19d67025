// A transport that answers registry sessions from a script, so that every rule of the session
// (auth, tokens, retries, redirects, uploads) can be driven without a network. Each step expects
// one request (method and URL) and gives one answer: a response, or a network error. Steps are
// matched in order among those not yet used, so sessions on several threads can share a script.
// What every request carried (headers, body, uploaded bytes) is recorded for the assertions.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/transport.hpp"

namespace commentsctl::testing {

struct Step {
  std::string method;  // "GET", "PUT", ...
  std::string url;     // "https://registry.test:443/v2/a/manifests/1": origin and target
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Instead of answering: this network failure.
  std::optional<http::NetworkError::Kind> fail;
  // The body breaks (NetworkError Io) after this many bytes.
  std::optional<std::size_t> cut_after;
};

// One request as the transport received it.
struct Sent {
  std::string method;
  std::string url;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // for an upload: the bytes that arrived
  bool upload = false;
  bool finished = false;   // upload: completed and answered
  bool abandoned = false;  // upload: dropped before the last byte

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  [[nodiscard]] bool has(const std::string& name) const { return headers.count(name) != 0; }
};

class Script {
 public:
  Script& expect(Step step);
  // The next unused step for `method url`; throws std::logic_error naming the request when the
  // script has none (the test then fails with what was unexpected).
  Step take(const std::string& method, const std::string& url);
  std::size_t record(Sent sent);
  void update(std::size_t index, const std::function<void(Sent&)>& change);

  [[nodiscard]] std::vector<Sent> sent() const;
  // Steps never used, for a check that the script ran to its end.
  [[nodiscard]] std::vector<std::string> unused() const;
  // Waits (with a deadline) until `count` requests were received.
  bool wait_for(std::size_t count, std::chrono::milliseconds deadline) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::pair<Step, bool>> steps_;
  std::vector<Sent> sent_;
};

class ScriptedTransport final : public http::Transport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  std::unique_ptr<http::Response> send(const http::Endpoint& to,
                                       http::StringRequest request) override;
  std::unique_ptr<http::Upload> upload(const http::Endpoint& to, http::RequestHeader header,
                                       std::uint64_t length) override;

 private:
  std::shared_ptr<Script> script_;
};

}  // namespace commentsctl::testing
