// The export format: what export writes reads back to the same records, and every kind of bad
// line is refused with its line number and what is wrong.
#include "service/transfer/ndjson.hpp"

#include <catch2/catch.hpp>

using namespace comments;
using comments::transfer::LineError;
using comments::transfer::Reader;

namespace {

const std::string kHeader = transfer::header_line("sqlite");

store::Snapshot sample() {
  store::Snapshot s;
  s.comments = {{1, "a", "x@example.com", "first", 1'700'000'000'123, store::State::visible},
                {2, "b", "y@example.com", "Ünïcødé ✓ \"quoted\" \\ back\nslash\ttab 🎉",
                 1'700'000'001'000, store::State::hidden},
                {5, "a", "", "", 1'700'000'002'999, store::State::deleted},
                {7, "c/with spaces", "p@example.com", "pending", 0, store::State::pending}};
  s.blocks = {{1, "email", "spam@example.com", 1'700'000'003'000},
              {3, "address", "2001:db8::1", 1'700'000'004'000}};
  s.audit = {{1, 1'700'000'005'000, "alice", "hide", "comment 2"},
             {2, 1'700'000'006'000, "bob", "block", "email spam@example.com"}};
  return s;
}

// The lines of s as export writes them.
std::vector<std::string> lines_of(const store::Snapshot& s) {
  std::vector<std::string> out{kHeader};
  for (const auto& c : s.comments) {
    out.push_back(transfer::line(c));
  }
  for (const auto& b : s.blocks) {
    out.push_back(transfer::line(b));
  }
  for (const auto& a : s.audit) {
    out.push_back(transfer::line(a));
  }
  return out;
}

// The message reading these lines ends with (after the header); "" when it reads them.
std::string error_reading(const std::vector<std::string>& lines, bool with_header = true) {
  Reader r;
  try {
    if (with_header) {
      r.add(kHeader);
    }
    for (const auto& l : lines) {
      r.add(l);
    }
    r.finish();
  } catch (const LineError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("export lines read back to the same records, every state and character kept") {
  const auto s = sample();
  const auto lines = lines_of(s);
  CHECK(lines[0] ==
        R"({"type":"header","format":"comments-service-export","version":1,"backend":"sqlite"})");
  CHECK(lines[1] ==
        R"({"type":"comment","id":1,"content_id":"a","email":"x@example.com",)"
        R"("comment":"first","created_at":"2023-11-14T22:13:20.123Z","state":"visible"})");
  CHECK(lines[5] == R"({"type":"block","id":1,"kind":"email","value":"spam@example.com",)"
                    R"("created_at":"2023-11-14T22:13:23.000Z"})");
  CHECK(lines[7] == R"({"type":"audit","id":1,"at":"2023-11-14T22:13:25.000Z","actor":"alice",)"
                    R"("action":"hide","target":"comment 2"})");
  for (const auto& l : lines) {
    CHECK(l.find('\n') == std::string::npos);  // one record, one line
  }
  Reader r;
  for (const auto& l : lines) {
    r.add(l);
  }
  const auto& back = r.finish();
  CHECK(back.comments == s.comments);
  CHECK(back.blocks == s.blocks);
  CHECK(back.audit == s.audit);
  CHECK(r.source_backend() == "sqlite");
  CHECK(r.line_of("comment", 5) == 4);
  CHECK(r.line_of("block", 3) == 7);
  CHECK(r.line_of("audit", 2) == 9);
  CHECK(r.line_of("comment", 99) == 0);
}

TEST_CASE("a file must start with the export header, once") {
  CHECK(error_reading({}, false) ==
        "line 1: is missing: the file is empty (an export starts with its header)");
  CHECK(error_reading({transfer::line(sample().comments[0])}, false) ==
        "line 1: must be the header ({\"type\":\"header\",\"format\":\"comments-service-export\",…"
        "}), not a comment: is this a comments-service export?");
  CHECK(error_reading({R"({"type":"header","format":"other","version":1,"backend":"x"})"}, false) ==
        "line 1: header \"format\" must be \"comments-service-export\"");
  CHECK(error_reading({R"({"type":"header","format":"comments-service-export","version":2,)"
                       R"("backend":"x"})"},
                      false) ==
        "line 1: header \"version\" is 2, and this comments-service reads version 1 only");
  CHECK(error_reading({R"({"type":"header","format":"comments-service-export","version":"1",)"
                       R"("backend":"x"})"},
                      false) == "line 1: header \"version\" must be an integer");
  CHECK(error_reading({R"({"type":"header","format":"comments-service-export","version":1})"},
                      false) == "line 1: header has no \"backend\"");
  CHECK(error_reading({kHeader}) == "line 2: is a second header (a file holds one export)");
}

TEST_CASE("lines that are not one typed JSON object are refused with their number") {
  CHECK(error_reading({""}) == "line 2: is empty (each line holds one JSON object)");
  CHECK(error_reading({"   "}) == "line 2: is empty (each line holds one JSON object)");
  CHECK(error_reading({R"({"type":"comment",)"}).starts_with("line 2: is not JSON: "));
  CHECK(error_reading({"not json"}).starts_with("line 2: is not JSON: "));
  CHECK(error_reading({std::string("{\"type\":\"comment\",\"x\":\"\xff\xfe\"}")})
            .starts_with("line 2: is not JSON: "));  // not UTF-8
  CHECK(error_reading({"[1,2]"}) == "line 2: is not a JSON object");
  CHECK(error_reading({"{}"}) == "line 2: has no \"type\" string");
  CHECK(error_reading({R"({"type":3})"}) == "line 2: has no \"type\" string");
  CHECK(error_reading({R"({"type":"reply","id":1})"}) ==
        "line 2: has an unknown type \"reply\" (comment, block or audit)");
}

TEST_CASE("comment lines need every field, with its type, and nothing else") {
  const std::string ok =
      R"("content_id":"a","email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z","state":"visible")";
  CHECK(error_reading({R"({"type":"comment","id":1,)" + ok + "}"}).empty());
  CHECK(error_reading({R"({"type":"comment",)" + ok + "}"}) == "line 2: comment has no \"id\"");
  for (const std::string bad_id : {"0", "-3", "1.5", "\"1\"", "null", "18446744073709551615"}) {
    CAPTURE(bad_id);
    CHECK(error_reading({R"({"type":"comment","id":)" + bad_id + "," + ok + "}"}) ==
          "line 2: comment \"id\" must be a positive integer");
  }
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":"a","email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z"})"}) ==
      "line 2: comment has no \"state\"");
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":"","email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z","state":"visible"})"}) ==
      "line 2: comment \"content_id\" must not be empty");
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":7,"email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z","state":"visible"})"}) ==
      "line 2: comment \"content_id\" must be a string");
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":"a","email":"e","comment":"t\u0000","created_at":"2024-01-02T03:04:05.678Z","state":"visible"})"}) ==
      "line 2: comment \"comment\" holds a NUL character, which the databases cannot store");
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":"a","email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z","state":"gone"})"}) ==
      "line 2: comment \"state\" must be visible, hidden, pending or deleted, not \"gone\"");
  CHECK(
      error_reading(
          {R"({"type":"comment","id":1,"content_id":"a","email":"e","comment":"t","created_at":"2024-01-02T03:04:05.678Z","state":"deleted"})"}) ==
      "line 2: comment is deleted but keeps its email or comment (a deleted comment keeps "
      "neither)");
  CHECK(error_reading({R"({"type":"comment","id":1,)" + ok + R"(,"likes":3})"}) ==
        "line 2: comment has an unknown field \"likes\"");
  for (const std::string bad_time :
       {"\"2024-02-30T00:00:00.000Z\"", "\"2024-01-02T24:00:00.000Z\"",
        "\"2024-01-02 03:04:05.678Z\"", "\"2024-01-02T03:04:05Z\"",
        "\"2024-01-02T03:04:05.678+01:00\"", "1704164645678", "\"\""}) {
    CAPTURE(bad_time);
    CHECK(
        error_reading(
            {R"({"type":"comment","id":1,"content_id":"a","email":"e","comment":"t","created_at":)" +
             bad_time + R"(,"state":"visible"})"}) ==
        "line 2: comment \"created_at\" must be a UTC timestamp like \"2024-01-02T03:04:05.678Z\"");
  }
  const std::string line = R"({"type":"comment","id":4,)" + ok + "}";
  CHECK(error_reading({line, line}) == "line 3: comment 4 appears twice (line 2 has it already)");
}

TEST_CASE("block and audit lines are checked the same way") {
  CHECK(
      error_reading(
          {R"({"type":"block","id":1,"kind":"name","value":"x","created_at":"2024-01-02T03:04:05.678Z"})"}) ==
      "line 2: block \"kind\" must be email or address, not \"name\"");
  CHECK(
      error_reading(
          {R"({"type":"block","id":1,"kind":"email","value":"","created_at":"2024-01-02T03:04:05.678Z"})"}) ==
      "line 2: block \"value\" must not be empty");
  CHECK(error_reading({R"({"type":"block","id":1,"kind":"email","value":"x"})"}) ==
        "line 2: block has no \"created_at\"");
  CHECK(
      error_reading(
          {R"({"type":"block","id":1,"kind":"email","value":"x","created_at":"2024-01-02T03:04:05.678Z"})",
           R"({"type":"block","id":2,"kind":"email","value":"x","created_at":"2024-01-02T03:04:05.678Z"})"}) ==
      "line 3: block 2 blocks email x, as block 1 did already");
  CHECK(
      error_reading(
          {R"({"type":"audit","id":1,"at":"2024-01-02T03:04:05.678Z","actor":"a","action":"hide"})"}) ==
      "line 2: audit has no \"target\"");
  CHECK(
      error_reading(
          {R"({"type":"audit","id":1,"at":"yesterday","actor":"a","action":"hide","target":"t"})"}) ==
      "line 2: audit \"at\" must be a UTC timestamp like \"2024-01-02T03:04:05.678Z\"");
  // Ids are unique per kind: comment 1, block 1 and audit entry 1 are different records.
  const auto lines = lines_of(sample());
  CHECK(error_reading(std::vector<std::string>(lines.begin() + 1, lines.end())).empty());
}
