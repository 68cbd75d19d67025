// The scripted transport: requests matched against steps, answers served in pieces.
#include "registry/scripted_transport.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace commentsctl::testing {

namespace bhttp = http::bhttp;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

template <class Fields>
std::map<std::string, std::string> header_map(const Fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& f : fields) {
    out[lower(std::string(f.name_string()))] = std::string(f.value());
  }
  return out;
}

http::ResponseHeader make_header(const Step& step) {
  http::ResponseHeader h;
  h.version(11);
  h.result(step.status);
  for (const auto& [name, value] : step.headers) {
    h.set(name, value);
  }
  return h;
}

class ScriptedResponse final : public http::Response {
 public:
  ScriptedResponse(Step step, bool head)
      : header_(make_header(step)), step_(std::move(step)), head_(head) {
    if (!header_.count(bhttp::field::content_length)) {
      header_.set(bhttp::field::content_length, std::to_string(step_.body.size()));
    }
  }
  [[nodiscard]] const http::ResponseHeader& header() const override { return header_; }
  [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
    return std::stoull(std::string(header_[bhttp::field::content_length]));
  }
  std::size_t read(char* data, std::size_t size) override {
    if (head_) {
      return 0;
    }
    const std::size_t end =
        step_.cut_after ? std::min(*step_.cut_after, step_.body.size()) : step_.body.size();
    if (offset_ >= end) {
      if (step_.cut_after && offset_ < step_.body.size()) {
        throw http::NetworkError(http::NetworkError::Kind::Io, step_.url + ": connection reset");
      }
      return 0;
    }
    const std::size_t n = std::min(size, end - offset_);
    std::memcpy(data, step_.body.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  http::ResponseHeader header_;
  Step step_;
  bool head_;
  std::size_t offset_ = 0;
};

class ScriptedUpload final : public http::Upload {
 public:
  ScriptedUpload(std::shared_ptr<Script> script, std::size_t index, Step step, std::uint64_t length)
      : script_(std::move(script)), index_(index), step_(std::move(step)), length_(length) {}

  void write(const char* data, std::size_t size) override {
    received_ += size;
    if (received_ > length_) {
      throw std::logic_error("upload of more bytes than announced");
    }
    script_->update(index_, [&](Sent& s) { s.body.append(data, size); });
  }
  http::StringResponse finish(std::size_t) override {
    if (received_ != length_) {
      throw std::logic_error("upload finished after " + std::to_string(received_) + " of " +
                             std::to_string(length_) + " bytes");
    }
    script_->update(index_, [](Sent& s) { s.finished = true; });
    http::StringResponse r;
    r.base() = make_header(step_);
    r.body() = step_.body;
    return r;
  }
  void abandon() override {
    script_->update(index_, [](Sent& s) { s.abandoned = true; });
  }

 private:
  std::shared_ptr<Script> script_;
  std::size_t index_;
  Step step_;
  std::uint64_t length_;
  std::uint64_t received_ = 0;
};

}  // namespace

Script& Script::expect(Step step) {
  const std::lock_guard lock(mutex_);
  steps_.emplace_back(std::move(step), false);
  return *this;
}

Step Script::take(const std::string& method, const std::string& url) {
  const std::lock_guard lock(mutex_);
  for (auto& [step, used] : steps_) {
    if (!used && step.method == method && step.url == url) {
      used = true;
      return step;
    }
  }
  throw std::logic_error("unexpected request: " + method + " " + url);
}

std::size_t Script::record(Sent sent) {
  const std::lock_guard lock(mutex_);
  sent_.push_back(std::move(sent));
  changed_.notify_all();
  return sent_.size() - 1;
}

void Script::update(std::size_t index, const std::function<void(Sent&)>& change) {
  const std::lock_guard lock(mutex_);
  change(sent_.at(index));
  changed_.notify_all();
}

std::vector<Sent> Script::sent() const {
  const std::lock_guard lock(mutex_);
  return sent_;
}

std::vector<std::string> Script::unused() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [step, used] : steps_) {
    if (!used) {
      out.push_back(step.method + " " + step.url);
    }
  }
  return out;
}

bool Script::wait_for(std::size_t count, std::chrono::milliseconds deadline) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, deadline, [&] { return sent_.size() >= count; });
}

std::unique_ptr<http::Response> ScriptedTransport::send(const http::Endpoint& to,
                                                        http::StringRequest request) {
  const std::string method(request.method_string());
  const std::string url = to.origin() + std::string(request.target());
  script_->record(
      Sent{method, url, header_map(request.base()), request.body(), false, false, false});
  Step step = script_->take(method, url);
  if (step.fail) {
    throw http::NetworkError(*step.fail, url + ": scripted failure");
  }
  return std::make_unique<ScriptedResponse>(std::move(step), request.method() == bhttp::verb::head);
}

std::unique_ptr<http::Upload> ScriptedTransport::upload(const http::Endpoint& to,
                                                        http::RequestHeader header,
                                                        std::uint64_t length) {
  const std::string method(header.method_string());
  const std::string url = to.origin() + std::string(header.target());
  auto headers = header_map(header);
  headers["content-length"] = std::to_string(length);
  const auto index = script_->record(Sent{method, url, headers, "", true, false, false});
  Step step = script_->take(method, url);
  if (step.fail) {
    throw http::NetworkError(*step.fail, url + ": scripted failure");
  }
  return std::make_unique<ScriptedUpload>(script_, index, std::move(step), length);
}

}  // namespace commentsctl::testing
