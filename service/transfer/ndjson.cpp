// Each record line is the moderation API's JSON object for that record (api/formats.hpp) with a
// "type" in front. Reading is strict: every field present with its type, nothing unknown, no NUL
// (PostgreSQL cannot store it), ids unique per kind, so that what import stores is exactly what
// export wrote.
#include "service/transfer/ndjson.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "service/api/formats.hpp"

namespace comments::transfer {
namespace {

namespace json = boost::json;

// {"type":"<type>", followed by the fields of object (which starts with '{').
std::string typed(std::string_view type, const std::string& object) {
  return fmt::format("{{\"type\":\"{}\",{}", type, std::string_view(object).substr(1));
}

// One record line's fields, each taken once; what is left over is unknown.
class Fields {
 public:
  Fields(std::size_t line, std::string_view type, json::object object)
      : line_(line), type_(type), object_(std::move(object)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw LineError(line_, std::string(type_) + " " + what);
  }

  const json::value& take(std::string_view name) {
    auto it = object_.find(name);
    if (it == object_.end()) {
      fail(fmt::format("has no \"{}\"", name));
    }
    taken_ = it->value();
    object_.erase(it);
    return taken_;
  }

  std::string text(std::string_view name, bool may_be_empty = true) {
    const auto& v = take(name);
    if (!v.is_string()) {
      fail(fmt::format("\"{}\" must be a string", name));
    }
    std::string s(v.get_string());
    if (s.find('\0') != std::string::npos) {
      fail(fmt::format("\"{}\" holds a NUL character, which the databases cannot store", name));
    }
    if (!may_be_empty && s.empty()) {
      fail(fmt::format("\"{}\" must not be empty", name));
    }
    return s;
  }

  std::int64_t id() {
    const auto& v = take("id");
    if (v.is_int64() && v.get_int64() > 0) {
      return v.get_int64();
    }
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v.get_uint64());
    }
    fail("\"id\" must be a positive integer");
  }

  std::int64_t timestamp(std::string_view name) {
    const auto& v = take(name);
    std::optional<std::int64_t> ms;
    if (v.is_string()) {
      ms = api::parse_timestamp(std::string_view(v.get_string().data(), v.get_string().size()));
    }
    if (!ms) {
      fail(fmt::format("\"{}\" must be a UTC timestamp like \"2024-01-02T03:04:05.678Z\"", name));
    }
    return *ms;
  }

  // After every known field was taken.
  void done() const {
    if (!object_.empty()) {
      fail(fmt::format("has an unknown field \"{}\"", std::string_view(object_.begin()->key())));
    }
  }

 private:
  std::size_t line_;
  std::string_view type_;
  json::object object_;
  json::value taken_;
};

store::StoredComment read_comment(Fields& f) {
  store::StoredComment c;
  c.id = f.id();
  c.content_id = f.text("content_id", false);
  c.email = f.text("email");
  c.text = f.text("comment");
  c.created_at_ms = f.timestamp("created_at");
  const auto state = f.text("state");
  const auto s = store::state_from_string(state);
  if (!s) {
    f.fail("\"state\" must be visible, hidden, pending or deleted, not \"" + state + "\"");
  }
  c.state = *s;
  if (c.state == store::State::deleted && (!c.email.empty() || !c.text.empty())) {
    f.fail("is deleted but keeps its email or comment (a deleted comment keeps neither)");
  }
  f.done();
  return c;
}

store::Block read_block(Fields& f) {
  store::Block b;
  b.id = f.id();
  b.kind = f.text("kind");
  if (b.kind != "email" && b.kind != "address") {
    f.fail("\"kind\" must be email or address, not \"" + b.kind + "\"");
  }
  b.value = f.text("value", false);
  b.created_at_ms = f.timestamp("created_at");
  f.done();
  return b;
}

store::AuditEntry read_audit(Fields& f) {
  store::AuditEntry a;
  a.id = f.id();
  a.at_ms = f.timestamp("at");
  a.actor = f.text("actor");
  a.action = f.text("action");
  a.target = f.text("target");
  f.done();
  return a;
}

}  // namespace

std::string header_line(std::string_view backend) {
  return fmt::format("{{\"type\":\"header\",\"format\":\"{}\",\"version\":{},\"backend\":\"{}\"}}",
                     kFormat, kFormatVersion, backend);
}

std::string line(const store::StoredComment& c) {
  std::string object;
  api::append_comment(object, c);
  return typed("comment", object);
}

std::string line(const store::Block& b) {
  std::string object;
  api::append_block(object, b);
  return typed("block", object);
}

std::string line(const store::AuditEntry& a) {
  std::string object;
  api::append_audit(object, a);
  return typed("audit", object);
}

void Reader::add(std::string_view text) {
  ++line_;
  if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
    throw LineError(line_, "is empty (each line holds one JSON object)");
  }
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) {
    throw LineError(line_, "is not JSON: " + ec.message());
  }
  if (!v.is_object()) {
    throw LineError(line_, "is not a JSON object");
  }
  auto& object = v.get_object();
  const auto* type_value = object.if_contains("type");
  if (type_value == nullptr || !type_value->is_string()) {
    throw LineError(line_, "has no \"type\" string");
  }
  const std::string type(type_value->get_string());
  object.erase("type");
  if (line_ == 1) {
    if (type != "header") {
      throw LineError(line_, "must be the header ({\"type\":\"header\",\"format\":\"" +
                                 std::string(kFormat) + "\",…}), not a " + type +
                                 ": is this a comments-service export?");
    }
    Fields f(line_, "header", std::move(object));
    if (f.text("format") != kFormat) {
      f.fail("\"format\" must be \"" + std::string(kFormat) + "\"");
    }
    const auto& version = f.take("version");
    if (!version.is_int64() && !version.is_uint64()) {
      f.fail("\"version\" must be an integer");
    }
    if (!(version.is_int64() && version.get_int64() == kFormatVersion)) {
      f.fail(fmt::format("\"version\" is {}, and this comments-service reads version {} only",
                         json::serialize(version), kFormatVersion));
    }
    backend_ = f.text("backend");
    f.done();
    return;
  }
  Fields f(line_, type, std::move(object));
  std::int64_t id = 0;
  if (type == "comment") {
    data_.comments.push_back(read_comment(f));
    id = data_.comments.back().id;
  } else if (type == "block") {
    const auto& b = data_.blocks.emplace_back(read_block(f));
    id = b.id;
    if (auto [it, added] = blocked_.emplace(std::pair(b.kind, b.value), b.id); !added) {
      f.fail(
          fmt::format("{} blocks {} {}, as block {} did already", id, b.kind, b.value, it->second));
    }
  } else if (type == "audit") {
    data_.audit.push_back(read_audit(f));
    id = data_.audit.back().id;
  } else if (type == "header") {
    throw LineError(line_, "is a second header (a file holds one export)");
  } else {
    throw LineError(line_, "has an unknown type \"" + type + "\" (comment, block or audit)");
  }
  if (auto [it, added] = lines_.emplace(std::pair(type, id), line_); !added) {
    throw LineError(
        line_, fmt::format("{} {} appears twice (line {} has it already)", type, id, it->second));
  }
}

const store::Snapshot& Reader::finish() const {
  if (line_ == 0) {
    throw LineError(1, "is missing: the file is empty (an export starts with its header)");
  }
  return data_;
}

std::size_t Reader::line_of(const std::string& kind, std::int64_t id) const {
  auto it = lines_.find({kind, id});
  return it == lines_.end() ? 0 : it->second;
}

}  // namespace comments::transfer
