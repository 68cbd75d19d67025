// JSON Lines history files through Boost.JSON.
#include "release/history.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>

namespace commentsctl::release {
namespace json = boost::json;
namespace {

const std::vector<std::pair<const char*, std::string HistoryEntry::*>>& fields() {
  static const std::vector<std::pair<const char*, std::string HistoryEntry::*>> f = {
      {"time", &HistoryEntry::time},         {"environment", &HistoryEntry::environment},
      {"action", &HistoryEntry::action},     {"repository", &HistoryEntry::repository},
      {"tag", &HistoryEntry::tag},           {"digest", &HistoryEntry::digest},
      {"from", &HistoryEntry::from},         {"revision", &HistoryEntry::revision},
      {"previous", &HistoryEntry::previous},
  };
  return f;
}

// `pin --tag` without --digest records a tag alone, and an automatic rollback may put such a pin
// back: the two events that can record no digest.
bool may_lack_digest(const std::string& action) {
  return action == "pin" || action == "auto-rollback";
}

}  // namespace

std::filesystem::path history_path(const std::filesystem::path& releases_dir,
                                   const std::string& env) {
  return releases_dir / "history" / (env + ".jsonl");
}

void append_history(const std::filesystem::path& path, const HistoryEntry& entry) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  json::object obj;
  for (const auto& [key, member] : fields()) {
    if (!(entry.*member).empty()) {
      obj[key] = entry.*member;
    }
  }
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << json::serialize(obj) << '\n';
  out.close();
  if (!out) {
    throw std::runtime_error("cannot append to " + path.string() + ": " + std::strerror(errno));
  }
}

std::vector<HistoryEntry> read_history(const std::filesystem::path& path,
                                       std::vector<std::string>& problems) {
  std::vector<HistoryEntry> entries;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return entries;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) {
      continue;
    }
    const std::string where = path.string() + ":" + std::to_string(number) + ": ";
    boost::system::error_code ec;
    const json::value doc = json::parse(line, ec);
    if (ec || !doc.is_object()) {
      problems.push_back(where + "not a JSON object" + (ec ? " (" + ec.message() + ")" : ""));
      continue;
    }
    HistoryEntry entry;
    bool ok = true;
    for (const auto& [key, member] : fields()) {
      if (const auto* v = doc.as_object().if_contains(key)) {
        if (!v->is_string()) {
          problems.push_back(where + "\"" + key + "\" must be a string");
          ok = false;
          break;
        }
        entry.*member = std::string(v->as_string());
      }
    }
    if (ok && (entry.action.empty() || (entry.digest.empty() && !may_lack_digest(entry.action)))) {
      problems.push_back(where + "\"action\" and \"digest\" are required");
      ok = false;
    }
    if (ok) {
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace commentsctl::release
