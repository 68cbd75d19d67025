// Structured logging to stdout: one JSON (or text) line per event, level-filtered, through spdlog.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

#include "service/config/config.hpp"

namespace comments::log {

using Level = config::LogLevel;

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  std::string_view key;
  Value value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  template <typename T>
  requires std::is_integral_v<T> &&(!std::is_same_v<T, bool>)Field(std::string_view k, T v)
      : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

// Installs the process-wide logger; call once before anything logs (defaults: info, json).
void init(Level level, config::LogFormat format);
bool enabled(Level level);
void write(Level level, std::string_view message, std::initializer_list<Field> fields);

// Start-up and shutdown milestones: written at info whatever the level, so operators (and tests
// that read the bound port) always see them.
void lifecycle(std::string_view message, std::initializer_list<Field> fields);

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

}  // namespace comments::log
