// Loading and recording releases: one message for a missing pin, one order of writes.
#include "release/store.hpp"

namespace commentsctl::release {

std::filesystem::path Store::pin_file(const std::string& env) const { return pin_path(dir_, env); }

std::filesystem::path Store::history_file(const std::string& env) const {
  return history_path(dir_, env);
}

bool Store::has_pin(const std::string& env) const { return std::filesystem::exists(pin_file(env)); }

std::optional<Pin> Store::load(const spec::Spec& spec, const spec::Environment& env,
                               schema::Diagnostics& diags) const {
  const std::string& name = env.name.value;
  const auto path = pin_file(name).string();
  if (!has_pin(name)) {
    diags.add(spec.file, env.name.mark,
              "environment " + name + " has no release pin: " + path +
                  " does not exist (commentsctl writes it when an image is promoted)");
    return std::nullopt;
  }
  const std::size_t before = diags.size();
  auto pin = read_pin(path, diags);
  if (pin) {
    check_pin(spec, env, *pin, diags);
  }
  return diags.size() == before ? pin : std::nullopt;
}

std::optional<Pin> Store::read(const std::string& env, schema::Diagnostics& diags) const {
  return read_pin(pin_file(env).string(), diags);
}

std::vector<HistoryEntry> Store::history(const std::string& env,
                                         std::vector<std::string>& problems) const {
  return read_history(history_file(env), problems);
}

void Store::record(const Pin& pin, const HistoryEntry& entry) const {
  const auto path = pin_file(pin.environment.value);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  write_pin(path, pin);
  append_history(history_file(pin.environment.value), entry);
}

HistoryEntry history_entry(const Pin& pin, const std::string& action, const std::string& time) {
  auto value = [](const std::optional<Located<std::string>>& v) {
    return v ? v->value : std::string();
  };
  HistoryEntry entry;
  entry.time = time;
  entry.environment = pin.environment.value;
  entry.action = action;
  entry.repository = pin.repository.value;
  entry.tag = pin.tag.value;
  entry.digest = value(pin.digest);
  entry.from = value(pin.source_from);
  entry.revision = value(pin.source_revision);
  return entry;
}

std::size_t current_release(const std::vector<HistoryEntry>& entries,
                            const std::string& pinned_digest) {
  for (std::size_t i = entries.size(); i-- > 0;) {
    if (entries[i].action != "verify" && entries[i].digest == pinned_digest) {
      return i;
    }
  }
  return entries.size();
}

}  // namespace commentsctl::release
