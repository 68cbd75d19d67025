// The one rule of import for every backend: a record whose id is stored already must be stored
// exactly so (then it is counted as present); otherwise it is added, or refused as a conflict.
#include <map>
#include <utility>

#include "service/store/backend.hpp"

namespace comments::store {
namespace {

// The names of the fields in which two records differ, e.g. "text, state".
std::string differences(const std::vector<std::pair<const char*, bool>>& fields) {
  std::string out;
  for (const auto& [name, differs] : fields) {
    if (differs) {
      out += (out.empty() ? "" : ", ") + std::string(name);
    }
  }
  return out;
}

std::string differences(const StoredComment& a, const StoredComment& b) {
  return differences({{"content_id", a.content_id != b.content_id},
                      {"email", a.email != b.email},
                      {"comment", a.text != b.text},
                      {"created_at", a.created_at_ms != b.created_at_ms},
                      {"state", a.state != b.state}});
}

std::string differences(const Block& a, const Block& b) {
  return differences({{"kind", a.kind != b.kind},
                      {"value", a.value != b.value},
                      {"created_at", a.created_at_ms != b.created_at_ms}});
}

std::string differences(const AuditEntry& a, const AuditEntry& b) {
  return differences({{"at", a.at_ms != b.at_ms},
                      {"actor", a.actor != b.actor},
                      {"action", a.action != b.action},
                      {"target", a.target != b.target}});
}

// Adds to `add` the records of incoming that existing lacks; throws for one stored differently.
template <typename Record>
ImportTally plan(const char* kind, const std::vector<Record>& incoming,
                 const std::vector<Record>& existing, std::vector<Record>& add) {
  std::map<std::int64_t, const Record*> by_id;
  for (const auto& r : existing) {
    by_id.emplace(r.id, &r);
  }
  ImportTally tally;
  for (const auto& r : incoming) {
    auto it = by_id.find(r.id);
    if (it == by_id.end()) {
      add.push_back(r);
      ++tally.added;
    } else if (*it->second == r) {
      ++tally.present;
    } else {
      const std::string label = std::string(kind) == "audit" ? "audit entry" : kind;
      throw ImportConflict(kind, r.id,
                           label + " " + std::to_string(r.id) +
                               " is stored already with a different " +
                               differences(*it->second, r) + "; nothing was imported");
    }
  }
  return tally;
}

}  // namespace

ImportPlan plan_import(const Snapshot& incoming, const Snapshot& existing) {
  ImportPlan p;
  p.result.comments = plan("comment", incoming.comments, existing.comments, p.add.comments);
  p.result.blocks = plan("block", incoming.blocks, existing.blocks, p.add.blocks);
  // A new block must not block what a stored block (of another id) blocks already.
  std::map<std::pair<std::string, std::string>, std::int64_t> blocked;
  for (const auto& b : existing.blocks) {
    blocked.emplace(std::pair(b.kind, b.value), b.id);
  }
  for (const auto& b : p.add.blocks) {
    if (auto it = blocked.find({b.kind, b.value}); it != blocked.end()) {
      throw ImportConflict("block", b.id,
                           "block " + std::to_string(b.id) + " (" + b.kind + " " + b.value +
                               ") is stored already as block " + std::to_string(it->second) +
                               "; nothing was imported");
    }
  }
  p.result.audit = plan("audit", incoming.audit, existing.audit, p.add.audit);
  return p;
}

}  // namespace comments::store
