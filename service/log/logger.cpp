// spdlog supplies time and level; BufferedSink batches the lines to stdout; this file formats the
// fields.
#include "service/log/logger.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <cstdlib>

#include "service/log/buffered_sink.hpp"

namespace comments::log {
namespace {

// Access lines at info are the bulk of the log: gathered up to this many bytes, or this long,
// before one write. warn and error lines, and lifecycle lines, are written at once (with all
// that was gathered before them), and what is gathered is written when the process exits.
constexpr std::size_t kBatchBytes = 64 * 1024;
constexpr auto kBatchInterval = std::chrono::milliseconds(100);

struct State {
  std::shared_ptr<BufferedSink> sink;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<spdlog::logger> lifecycle;  // same sink, never filtered
  config::LogFormat format = config::LogFormat::json;
};

State& state() {
  static State s;
  return s;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void append_json_string(fmt::memory_buffer& out, std::string_view s) {
  // Plain identifiers (the common case) need no escaping; anything else goes through Boost.JSON.
  bool plain = true;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
  } else {
    auto quoted = boost::json::serialize(boost::json::string_view(s.data(), s.size()));
    out.append(std::string_view(quoted));
  }
}

void append_value(fmt::memory_buffer& out, const Field::Value& v, bool json) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (json) {
            append_json_string(out, x);
          } else {
            out.append(x);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(std::string_view(x ? "true" : "false"));
        } else {
          fmt::format_to(std::back_inserter(out), "{}", x);
        }
      },
      v);
}

}  // namespace

void init(Level level, config::LogFormat format) {
  auto& s = state();
  if (!s.logger) {
    s.sink = std::make_shared<BufferedSink>(stdout, kBatchBytes, kBatchInterval);
    s.logger = std::make_shared<spdlog::logger>("comments", s.sink);
    s.lifecycle = std::make_shared<spdlog::logger>("lifecycle", s.sink);
    // On return from main and on exit(): the last lines of a graceful shutdown are not lost.
    std::atexit([] { state().sink->stop(); });
  }
  s.format = format;
  s.logger->set_level(to_spdlog(level));
  s.logger->flush_on(spdlog::level::warn);
  s.lifecycle->set_level(spdlog::level::trace);
  s.lifecycle->flush_on(spdlog::level::trace);
  for (auto* l : {s.logger.get(), s.lifecycle.get()}) {
    if (format == config::LogFormat::json) {
      l->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                     spdlog::pattern_time_type::utc);
    } else {
      l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
    }
  }
}

bool enabled(Level level) {
  auto& s = state();
  return s.logger && s.logger->should_log(to_spdlog(level));
}

namespace {

void emit(spdlog::logger& logger, Level level, std::string_view message,
          std::initializer_list<Field> fields) {
  thread_local fmt::memory_buffer line;
  line.clear();
  const bool json = state().format == config::LogFormat::json;
  if (json) {
    line.append(std::string_view("\"msg\":"));
    append_json_string(line, message);
    for (const auto& f : fields) {
      line.push_back(',');
      line.push_back('"');
      line.append(f.key);
      line.append(std::string_view("\":"));
      append_value(line, f.value, true);
    }
  } else {
    line.append(message);
    for (const auto& f : fields) {
      line.push_back(' ');
      line.append(f.key);
      line.push_back('=');
      append_value(line, f.value, false);
    }
  }
  logger.log(to_spdlog(level), std::string_view(line.data(), line.size()));
}

}  // namespace

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (enabled(level)) {
    emit(*state().logger, level, message, fields);
  }
}

void lifecycle(std::string_view message, std::initializer_list<Field> fields) {
  if (state().lifecycle) {
    emit(*state().lifecycle, Level::info, message, fields);
  }
}

}  // namespace comments::log
