// The behavioural suite every storage backend must pass, written once and run against each.
// PostgreSQL joins the list when COMMENTS_TEST_POSTGRES_URL names a server (tests/service/README).
#include "service/store/backend.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>

#include "tests/service/support/temp_dir.hpp"

using namespace comments::store;
using comments::testing::TempDir;

namespace {

std::vector<std::string> backend_names() {
  std::vector<std::string> names{"memory", "sqlite"};
  if (const char* pg = std::getenv("COMMENTS_TEST_POSTGRES_URL"); pg != nullptr && *pg != '\0') {
    names.emplace_back("postgresql");
  }
  return names;
}

std::unique_ptr<Backend> open_backend(const std::string& name, const TempDir& dir) {
  if (name == "memory") {
    return comments::store::open("memory:", {});
  }
  if (name == "sqlite") {
    return comments::store::open("sqlite:" + (dir / "comments.db").string(), {});
  }
  return comments::store::open(std::getenv("COMMENTS_TEST_POSTGRES_URL"), {});
}

// A content id no other run has used, so a shared PostgreSQL database needs no cleaning.
std::string fresh_content(const std::string& base) {
  static int n = 0;
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

NewComment comment(const std::string& content, const std::string& email, const std::string& text) {
  return NewComment{content, email, text, 1'700'000'000'123};
}

// Whether append() refuses a comment from this poster; checks that it stored nothing then, and
// the comment otherwise.
bool refuses(Backend& b, const std::string& email, const std::string& address) {
  const auto content = fresh_content("poster");
  NewComment c = comment(content, email, "hello");
  c.poster = {email, address};
  const auto ids = b.append(std::span(&c, 1));
  REQUIRE(ids.size() == 1);
  const bool refused = ids[0] == comments::store::kRefusedByBlock;
  CHECK(b.list(content, 0, 10).comments.size() == (refused ? 0U : 1U));
  return refused;
}

}  // namespace

TEST_CASE("backends store comments in insertion order, per content") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto a = fresh_content("a");
  const auto other = fresh_content("b");

  std::vector<NewComment> batch{comment(a, "1@example.com", "one"),
                                comment(other, "x@example.com", "x"),
                                comment(a, "2@example.com", "two")};
  auto ids = b->append(batch);
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] < ids[1]);
  CHECK(ids[1] < ids[2]);
  auto more = b->append(std::vector<NewComment>{comment(a, "3@example.com", "three")});
  REQUIRE(more.size() == 1);
  CHECK(more[0] > ids[2]);

  auto page = b->list(a, 0, 100);
  REQUIRE(page.comments.size() == 3);
  CHECK(page.comments[0].text == "one");
  CHECK(page.comments[1].text == "two");
  CHECK(page.comments[2].text == "three");
  CHECK(page.comments[0].email == "1@example.com");
  CHECK(page.comments[0].created_at_ms == 1'700'000'000'123);
  CHECK(page.comments[0].id == ids[0]);
  CHECK(b->list(other, 0, 100).comments.size() == 1);
  CHECK(b->list(fresh_content("none"), 0, 100).comments.empty());
}

TEST_CASE("backends page with after-id and limit") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto c = fresh_content("paged");
  std::vector<NewComment> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(comment(c, "p@example.com", "c" + std::to_string(i)));
  }
  b->append(batch);
  auto first = b->list(c, 0, 4);
  REQUIRE(first.comments.size() == 4);
  auto second = b->list(c, first.comments.back().id, 4);
  REQUIRE(second.comments.size() == 4);
  CHECK(second.comments[0].text == "c4");
  auto last = b->list(c, second.comments.back().id, 4);
  REQUIRE(last.comments.size() == 2);
  CHECK(last.comments[1].text == "c9");
  CHECK(b->list(c, last.comments.back().id, 4).comments.empty());
}

TEST_CASE("backends count what they list, per content, 0 for a content without comments") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto three = fresh_content("three");
  const auto one = fresh_content("one");
  const auto none = fresh_content("none");
  b->append(std::vector<NewComment>{comment(three, "a@example.com", "1"),
                                    comment(one, "b@example.com", "x"),
                                    comment(three, "c@example.com", "2")});
  b->append(std::vector<NewComment>{comment(three, "a@example.com", "3")});
  const std::vector<std::string> ids{none, three, one, three};
  const auto counts = b->count(ids);
  REQUIRE(counts.size() == ids.size());
  CHECK(counts == std::vector<std::int64_t>{0, 3, 1, 3});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(counts[i] == static_cast<std::int64_t>(b->list(ids[i], 0, 1000).comments.size()));
  }
  CHECK(b->count(std::vector<std::string>{}).empty());
}

TEST_CASE("backends keep text byte for byte") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto c = fresh_content("bytes");
  const std::string text =
      "caf\xc3\xa9 \xf0\x9f\x98\x80 'quote' \"dq\" \\ \n\t end; DROP TABLE comments;--";
  b->append(std::vector<NewComment>{comment(c, "u@example.com", text)});
  auto page = b->list(c, 0, 10);
  REQUIRE(page.comments.size() == 1);
  CHECK(page.comments[0].text == text);
}

TEST_CASE("backends answer ping while usable") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  CHECK_NOTHROW(b->ping());
}

TEST_CASE("SQLite keeps comments across reopening the file") {
  TempDir dir;
  const auto url = "sqlite:" + (dir / "sub" / "comments.db").string();
  {
    auto b = comments::store::open(url, {});
    b->append(std::vector<NewComment>{comment("1", "a@example.com", "kept")});
  }
  auto again = comments::store::open(url, {});
  auto page = again->list("1", 0, 10);
  REQUIRE(page.comments.size() == 1);
  CHECK(page.comments[0].text == "kept");
}

TEST_CASE("SQLite refuses a file another process-level owner holds") {
  TempDir dir;
  const auto url = "sqlite:" + (dir / "comments.db").string();
  auto owner = comments::store::open(url, {});
  try {
    auto second = comments::store::open(url, {});
    FAIL("a second owner was allowed");
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains("in use by another process"));
  }
}

TEST_CASE("storage URLs are checked") {
  CHECK_THROWS_AS(comments::store::open("sqlite:", {}), std::invalid_argument);
  CHECK_THROWS_AS(comments::store::open("mysql://x", {}), std::invalid_argument);
  CHECK_THROWS_WITH(comments::store::open("redis:", {}), Catch::Contains("unknown storage URL"));
}

TEST_CASE("backends list only visible comments, and moderators see every state") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto a = fresh_content("mod");
  auto pending = comment(a, "p@example.com", "waiting");
  pending.state = State::pending;
  const auto ids = b->append(std::vector<NewComment>{comment(a, "1@example.com", "one"), pending,
                                                     comment(a, "3@example.com", "three")});
  REQUIRE(ids.size() == 3);
  auto texts = [&] {
    std::vector<std::string> out;
    for (const auto& c : b->list(a, 0, 100).comments) {
      out.push_back(c.text);
    }
    return out;
  };
  CHECK(texts() == std::vector<std::string>{"one", "three"});

  const auto actor = fresh_content("moderator");
  const AuditEntry audit{0, 1'700'000'000'500, actor, "change", "comment"};
  // How many changes were recorded for this test's actor.
  auto recorded = [&] {
    const auto entries = b->audit(0, 100);
    return std::count_if(entries.begin(), entries.end(),
                         [&](const AuditEntry& e) { return e.actor == actor; });
  };
  const std::vector<State> visible_or_pending{State::visible, State::pending};
  auto before = b->change_state(ids[0], visible_or_pending, State::hidden, audit);
  REQUIRE(before);
  CHECK(before->state == State::visible);
  CHECK(before->content_id == a);
  CHECK(texts() == std::vector<std::string>{"three"});

  const std::vector<State> only_pending{State::pending};
  CHECK(b->change_state(ids[1], only_pending, State::visible, audit)->state == State::pending);
  CHECK(texts() == std::vector<std::string>{"waiting", "three"});

  // Not allowed from its state: nothing changes, and the answer says what the state is.
  CHECK(recorded() == 2);
  CHECK(b->change_state(ids[0], only_pending, State::visible, audit)->state == State::hidden);
  CHECK(texts() == std::vector<std::string>{"waiting", "three"});
  CHECK_FALSE(b->change_state(ids[2] + 1'000'000, only_pending, State::visible, audit));
  CHECK(recorded() == 2);  // what changed nothing is not recorded

  // A tombstone keeps its id and place, and loses its email and text.
  const std::vector<State> any{State::visible, State::hidden, State::pending};
  b->change_state(ids[2], any, State::deleted, audit);
  CHECK(recorded() == 3);
  CHECK(texts() == std::vector<std::string>{"waiting"});
  ModerationQuery all_of_a;
  all_of_a.content_id = a;
  auto listed = b->moderation_list(all_of_a);
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].id == ids[2]);  // newest first
  CHECK(listed[0].state == State::deleted);
  CHECK(listed[0].text.empty());
  CHECK(listed[0].email.empty());
  CHECK(listed[2].state == State::hidden);

  ModerationQuery hidden = all_of_a;
  hidden.state = State::hidden;
  auto only_hidden = b->moderation_list(hidden);
  REQUIRE(only_hidden.size() == 1);
  CHECK(only_hidden[0].id == ids[0]);

  ModerationQuery paged = all_of_a;
  paged.limit = 1;
  paged.before_id = ids[2];
  auto second = b->moderation_list(paged);
  REQUIRE(second.size() == 1);
  CHECK(second[0].id == ids[1]);
}

TEST_CASE("backends keep blocks and the audit log") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  const auto email = fresh_content("spammer") + "@example.com";
  const auto blocker = fresh_content("blocker");
  auto newest_by_blocker = [&] {
    const auto entries = b->audit(0, 1);
    return entries.empty() || entries[0].actor != blocker ? std::string() : entries[0].action;
  };
  const AuditEntry block_entry{0, 1'700'000'000'000, blocker, "block", "email " + email};
  const auto added = b->add_block(Block{0, "email", email, 1'700'000'000'000}, block_entry);
  CHECK(added.id > 0);
  CHECK(newest_by_blocker() == "block");
  const auto count_before = b->audit(0, 1)[0].id;
  CHECK(b->add_block(Block{0, "email", email, 1'700'000'000'999}, block_entry).id == added.id);
  CHECK(b->audit(0, 1)[0].id == count_before);  // nothing added, nothing recorded
  CHECK(refuses(*b, email, "192.0.2.200"));
  CHECK_FALSE(refuses(*b, "other@example.com", "192.0.2.200"));
  // In one batch: the refused comment keeps its place, the others are stored in order.
  const auto mixed = fresh_content("mixed");
  std::vector<NewComment> batch{comment(mixed, "a@example.com", "before"),
                                comment(mixed, email, "spam"),
                                comment(mixed, "b@example.com", "after")};
  batch[0].poster = {"a@example.com", "192.0.2.10"};
  batch[1].poster = {email, "192.0.2.11"};
  batch[2].poster = {"b@example.com", "192.0.2.12"};
  const auto ids = b->append(batch);
  REQUIRE(ids.size() == 3);
  CHECK(ids[1] == comments::store::kRefusedByBlock);
  CHECK(ids[0] > 0);
  CHECK(ids[2] > ids[0]);
  const auto listed = b->list(mixed, 0, 10).comments;
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].text == "before");
  CHECK(listed[1].text == "after");
  const auto blocks = b->blocks();
  CHECK(
      std::any_of(blocks.begin(), blocks.end(), [&](const Block& x) { return x.id == added.id; }));
  const AuditEntry unblock_entry{0, 1'700'000'000'001, blocker, "unblock", "block"};
  CHECK(b->remove_block(added.id, unblock_entry));
  CHECK(newest_by_blocker() == "unblock");
  const auto after_unblock = b->audit(0, 1)[0].id;
  CHECK_FALSE(b->remove_block(added.id, unblock_entry));
  CHECK(b->audit(0, 1)[0].id == after_unblock);
  CHECK_FALSE(refuses(*b, email, "192.0.2.200"));

  const auto actor = fresh_content("moderator");
  b->record(AuditEntry{0, 1'700'000'000'001, actor, "hide", "comment 1"});
  b->record(AuditEntry{0, 1'700'000'000'002, actor, "delete", "comment 2"});
  auto entries = b->audit(0, 2);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].actor == actor);
  CHECK(entries[0].action == "delete");
  CHECK(entries[1].action == "hide");
  CHECK(entries[0].id > entries[1].id);
  auto older = b->audit(entries[0].id, 1);
  REQUIRE(older.size() == 1);
  CHECK(older[0].id == entries[1].id);
}

TEST_CASE("SQLite migrates a database of the first schema, keeping its comments visible") {
  TempDir dir;
  const auto path = (dir / "old.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(
        sqlite3_exec(db,
                     "CREATE TABLE comments (id INTEGER PRIMARY KEY, content_id TEXT NOT NULL,"
                     " email TEXT NOT NULL, comment TEXT NOT NULL, created_at_ms INTEGER NOT NULL);"
                     "CREATE INDEX comments_by_content ON comments (content_id, id);"
                     "INSERT INTO comments (content_id, email, comment, created_at_ms)"
                     " VALUES ('1', 'old@example.com', 'from before', 1);"
                     "PRAGMA user_version = 1;",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto b = comments::store::open("sqlite:" + path, {});
  auto page = b->list("1", 0, 10);
  REQUIRE(page.comments.size() == 1);
  CHECK(page.comments[0].text == "from before");
  const std::vector<State> visible{State::visible};
  const AuditEntry audit{0, 1, "test", "hide", "comment"};
  CHECK(b->change_state(page.comments[0].id, visible, State::hidden, audit)->state ==
        State::visible);
  CHECK(b->list("1", 0, 10).comments.empty());
}

TEST_CASE("backends import an export exactly, once, and refuse a conflicting record") {
  const auto name = GENERATE(from_range(backend_names()));
  CAPTURE(name);
  TempDir dir;
  auto b = open_backend(name, dir);
  // Ids above everything stored, so that a shared PostgreSQL database needs no cleaning.
  const auto stored = b->snapshot();
  std::int64_t base = 0;
  for (const auto& c : stored.comments) {
    base = std::max(base, c.id);
  }
  for (const auto& x : stored.blocks) {
    base = std::max(base, x.id);
  }
  for (const auto& e : stored.audit) {
    base = std::max(base, e.id);
  }
  base += 1000;
  const auto content = fresh_content("imported");
  const auto spammer = fresh_content("spammer") + "@example.com";
  Snapshot data;
  data.comments = {
      {base + 1, content, "1@example.com", "first", 1'600'000'000'001, State::visible},
      {base + 2, content, "2@example.com", "hidden one", 1'600'000'000'002, State::hidden},
      {base + 4, content, "", "", 1'600'000'000'004, State::deleted},
      {base + 5, content, "5@example.com", "waiting", 1'600'000'000'005, State::pending},
      {base + 6, content, "6@example.com", "Grüße ✓ 🎉", 1'600'000'000'006, State::visible}};
  data.blocks = {{base + 1, "email", spammer, 1'600'000'000'007}};
  data.audit = {
      {base + 1, 1'600'000'000'008, "alice", "hide", "comment " + std::to_string(base + 2)}};

  auto first = b->import(data);
  CHECK(first.comments.added == 5);
  CHECK(first.comments.present == 0);
  CHECK(first.blocks.added == 1);
  CHECK(first.audit.added == 1);
  const auto listed = b->list(content, 0, 100).comments;
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == base + 1);
  CHECK(listed[0].created_at_ms == 1'600'000'000'001);
  CHECK(listed[1].text == "Grüße ✓ 🎉");
  CHECK(b->count(std::vector<std::string>{content}) == std::vector<std::int64_t>{2});
  CHECK(refuses(*b, spammer, "192.0.2.1"));
  auto holds = [](const auto& all, const auto& record) {
    return std::find(all.begin(), all.end(), record) != all.end();
  };
  const auto after = b->snapshot();
  for (const auto& c : data.comments) {
    CHECK(holds(after.comments, c));
  }
  CHECK(holds(after.blocks, data.blocks[0]));
  CHECK(holds(after.audit, data.audit[0]));

  // Again: everything is there already, nothing is written.
  auto again = b->import(data);
  CHECK(again.comments.added == 0);
  CHECK(again.comments.present == 5);
  CHECK(again.blocks.present == 1);
  CHECK(again.audit.present == 1);
  CHECK(b->snapshot().comments.size() == after.comments.size());

  // A record stored differently is refused, and nothing of that import is stored.
  Snapshot changed = data;
  changed.comments.push_back(
      {base + 7, content, "7@example.com", "new", 1'600'000'000'009, State::visible});
  changed.comments[1].text = "edited";
  try {
    b->import(changed);
    FAIL("a conflicting comment was imported");
  } catch (const ImportConflict& e) {
    CHECK(e.kind() == "comment");
    CHECK(e.id() == base + 2);
    CHECK(std::string(e.what()) ==
          "comment " + std::to_string(base + 2) +
              " is stored already with a different comment; nothing was imported");
  }
  CHECK(b->list(content, 0, 100).comments.size() == 2);
  Snapshot same_block = data;
  same_block.blocks[0].id = base + 2;
  CHECK_THROWS_AS(b->import(same_block), ImportConflict);

  // New records get ids past the imported ones.
  CHECK(b->append(std::vector<NewComment>{comment(content, "n@example.com", "after")})[0] >
        base + 6);
  const AuditEntry entry{0, 1'700'000'000'000, "test", "block", "x"};
  CHECK(b->add_block(Block{0, "email", fresh_content("later") + "@example.com", 1}, entry).id >
        base + 1);
  CHECK(b->audit(0, 1)[0].id > base + 1);
}
