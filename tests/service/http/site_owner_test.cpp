// What a site owner sets, against the real binary on SQLite: what lists show of addresses, counts,
// the per-address posting limit, the links limit, and `comments-service backup` while a writer
// posts, into dated copies with retention, and its flag errors.
#include <sqlite3.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "tests/service/support/api_checks.hpp"
#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/site_checks.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;

namespace {

std::vector<std::string> on_sqlite(const TempDir& dir, std::vector<std::string> flags) {
  flags.insert(flags.end(),
               {"--storage", "sqlite:" + (dir / "comments.db").string(), "--log-level", "warn"});
  return flags;
}

// The first column of each row of sql on the SQLite file at path, as integers.
std::vector<std::int64_t> query_ints(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::vector<std::int64_t> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    out.push_back(sqlite3_column_int64(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

std::string query_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("SQLite: lists show email, email_hash or neither, as EMAIL_VISIBILITY says") {
  for (const std::string mode : {"public", "hash", "hidden"}) {
    TempDir dir;
    ServiceProcess s(on_sqlite(dir, {"--email-visibility", mode}));
    REQUIRE(s.wait_listening());
    check_email_visibility(s.port(), mode, "visible-" + mode);
  }
}

TEST_CASE("without --email-visibility lists show the address, as the original API did") {
  TempDir dir;
  ServiceProcess s(on_sqlite(dir, {}));
  REQUIRE(s.wait_listening());
  check_email_visibility(s.port(), "public", "default");
}

TEST_CASE("switching to hash changes the list's ETag: a client's public copy is not revalidated") {
  TempDir dir;
  std::string public_tag;
  {
    ServiceProcess s(on_sqlite(dir, {"--email-visibility", "public"}));
    REQUIRE(s.wait_listening());
    public_tag = check_email_visibility(s.port(), "public", "switched");
  }
  ServiceProcess s(on_sqlite(dir, {"--email-visibility", "hash"}));
  REQUIRE(s.wait_listening());
  for (int i = 0; i < 2; ++i) {  // from storage, then from the cache
    auto r = HttpClient(s.port()).request("GET", "/api/comment/list/switched", {},
                                          {{"If-None-Match", public_tag}});
    CAPTURE(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.header("ETag") != public_tag);
    CHECK(text(r.json().as_array()[0].at("email_hash")) == kAliceHash);
  }
}

TEST_CASE("SQLite: counts equal list lengths, 0 for contents without comments") {
  TempDir dir;
  ServiceProcess s(on_sqlite(dir, {}));
  REQUIRE(s.wait_listening());
  check_counts(s.port(), "counted");
  HttpClient c(s.port());
  auto r = c.request("POST", "/api/comment/count?content_id=1");
  CHECK(r.status == 405);
  CHECK(r.header("Allow") == "GET, HEAD");
  auto metrics = c.get("/metrics").body;
  CHECK_THAT(metrics,
             Catch::Contains(
                 R"(http_requests_total{code="200",method="GET",route="/api/comment/count"})"));
}

TEST_CASE("more posts per minute than --max-posts-per-email from one address get a 429") {
  TempDir dir;
  ServiceProcess s(on_sqlite(dir, {"--max-posts-per-email", "2"}));
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  REQUIRE(c.post_comment("alice@example.com", "one", "1").status == 200);
  REQUIRE(c.post_comment("Alice@Example.com", "two", "2").status == 200);
  // The same address in another case is the same poster.
  auto r = c.post_comment("ALICE@example.COM", "three", "1");
  check_error(
      r, 429, "TOO-MANY-REQUESTS",
      "too many comments from this e-mail address; retry after " + r.header("Retry-After") + " s");
  CHECK(std::stoi(r.header("Retry-After")) >= 1);
  CHECK(std::stoi(r.header("Retry-After")) <= 30);
  // Nothing was stored, and other addresses still post.
  CHECK(c.get("/api/comment/list/1").json().as_array().size() == 1);
  CHECK(c.post_comment("bob@example.com", "bob's", "1").status == 200);
  CHECK(c.get("/api/comment/list/1").json().as_array().size() == 2);
}

TEST_CASE("without --max-posts-per-email an address posts as often as it likes") {
  TempDir dir;
  ServiceProcess s(on_sqlite(dir, {}));
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  for (int i = 0; i < 20; ++i) {
    REQUIRE(c.post_comment("alice@example.com", "post " + std::to_string(i), "1").status == 200);
  }
}

TEST_CASE("a comment with more links than --max-links-per-comment is a 422, and not stored") {
  TempDir dir;
  ServiceProcess s(on_sqlite(dir, {"--max-links-per-comment", "1", "--max-posts-per-email", "1"}));
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  check_error(c.post_comment("spam@example.com", "buy http://a.example and www.b.example", "1"),
              422, "UNPROCESSABLE-ENTITY", "comment holds 2 links; at most 1 are allowed");
  CHECK(c.get("/api/comment/list/1").status == 404);
  // A refused comment used none of the address's posts.
  CHECK(c.post_comment("spam@example.com", "see https://a.example", "1").status == 200);
  CHECK(c.get("/api/comment/list/1").json().as_array().size() == 1);
}

TEST_CASE("a backup taken while a writer posts is an intact copy of a prefix of the comments") {
  TempDir dir;
  const auto db = (dir / "comments.db").string();
  ServiceProcess s(on_sqlite(dir, {}));
  REQUIRE(s.wait_listening());
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> acknowledged{0};  // the highest id acknowledged so far
  std::thread writer([&] {
    HttpClient c(s.port());
    for (int i = 0; !stop && i < 100000; ++i) {
      auto r = c.post_comment("w@example.com", "comment " + std::to_string(i), "1");
      if (r.status != 200) {
        break;
      }
      acknowledged = r.json().at("id").as_int64();
    }
  });
  REQUIRE(eventually([&] { return acknowledged >= 50; }));
  const auto before = acknowledged.load();
  const auto copy = (dir / "backup" / "copy.db").string();
  std::filesystem::create_directories(dir / "backup");
  auto run = run_service_command({"backup", "--storage", "sqlite:" + db, "--to", copy});
  const auto after = acknowledged.load();
  REQUIRE(eventually([&] { return acknowledged > after; }));  // the writer went on
  stop = true;
  writer.join();
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("copied " + db + " to " + copy));

  CHECK(query_text(copy, "PRAGMA integrity_check") == "ok");
  const auto ids = query_ints(copy, "SELECT id FROM comments ORDER BY id");
  REQUIRE(!ids.empty());
  // A prefix: 1..n without a gap, holding every comment acknowledged before the backup began.
  CHECK(ids.front() == 1);
  CHECK(ids.back() == static_cast<std::int64_t>(ids.size()));
  CHECK(ids.back() >= before);
  CHECK(query_ints(db, "SELECT count(*) FROM comments")[0] > ids.back());
  // The copy is one file: it opens without the service's -wal and -shm.
  CHECK_FALSE(std::filesystem::exists(copy + "-wal"));
  for (const auto& entry : std::filesystem::directory_iterator(dir / "backup")) {
    CHECK(entry.path().filename() == "copy.db");
  }
}

TEST_CASE("backup refuses PostgreSQL, pointing to pg_dump without repeating the URL") {
  auto r = run_service_command(
      {"backup", "--storage", "postgresql://u:s3cret@db:5432/comments", "--to", "/tmp/x.db"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("pg_dump"));
  CHECK_THAT(r.output, !Catch::Contains("s3cret"));
  auto missing = run_service_command(
      {"backup", "--storage", "sqlite:/nonexistent/c.db", "--to", "/tmp/never-written.db"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Catch::Contains("no SQLite database at '/nonexistent/c.db'"));
  CHECK_FALSE(std::filesystem::exists("/tmp/never-written.db"));
}

namespace {

std::string utc_stamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

std::set<std::string> names_in(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out.insert(entry.path().filename().string());
  }
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string contents_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE(
    "backup --to-dir writes a dated copy and removes only the oldest dated copies beyond --keep") {
  TempDir dir;
  const auto db = (dir / "comments.db").string();
  ServiceProcess s(on_sqlite(dir, {}));
  REQUIRE(s.wait_listening());
  HttpClient c(s.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.post_comment("w@example.com", "kept " + std::to_string(i), "1").status == 200);
  }
  const auto backups = dir / "backups";
  std::filesystem::create_directories(backups);
  // Three older dated copies, and files that only look like them: retention removes the first two
  // dated copies and leaves the rest alone.
  for (const auto* name : {"comments-20200101T000000Z.db", "comments-20200102T000000Z.db",
                           "comments-20200103T000000Z.db", "comments-20200101T000000Z.db.bak",
                           "comments-latest.db", "notes.txt", "comments-2020010T000000Z.db"}) {
    write_file(backups / name, name);
  }
  const auto before = utc_stamp(std::chrono::system_clock::now());
  auto run = run_service_command(
      {"backup", "--storage", "sqlite:" + db, "--to-dir", backups.string(), "--keep", "2"});
  const auto after = utc_stamp(std::chrono::system_clock::now());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);

  std::string written;
  for (const auto& name : names_in(backups)) {
    if (name.starts_with("comments-2") && name >= "comments-" + before + ".db" &&
        name <= "comments-" + after + ".db") {
      written = name;
    }
  }
  REQUIRE(!written.empty());
  CHECK_THAT(written, Catch::Matches("comments-[0-9]{8}T[0-9]{6}Z\\.db"));
  CHECK_THAT(run.output, Catch::Contains("copied " + db + " to " + (backups / written).string() +
                                         " (3 comments"));
  CHECK_THAT(run.output,
             Catch::Contains("removed " + (backups / "comments-20200101T000000Z.db").string()));
  CHECK_THAT(run.output,
             Catch::Contains("removed " + (backups / "comments-20200102T000000Z.db").string()));
  CHECK(names_in(backups) == std::set<std::string>{written, "comments-20200103T000000Z.db",
                                                   "comments-20200101T000000Z.db.bak",
                                                   "comments-latest.db", "notes.txt",
                                                   "comments-2020010T000000Z.db"});
  CHECK(contents_of(backups / "notes.txt") == "notes.txt");

  // The copy is a database the service opens and lists.
  ServiceProcess restored(
      {"--storage", "sqlite:" + (backups / written).string(), "--log-level", "warn"});
  REQUIRE(restored.wait_listening());
  HttpClient r(restored.port());
  const auto listed = r.get("/api/comment/list/1");
  REQUIRE(listed.status == 200);
  CHECK(listed.json().as_array().size() == 3);
}

TEST_CASE("backup --to-dir never replaces a copy taken within the same second") {
  TempDir dir;
  const auto db = (dir / "comments.db").string();
  {
    ServiceProcess s(on_sqlite(dir, {}));
    REQUIRE(s.wait_listening());
    HttpClient c(s.port());
    REQUIRE(c.post_comment("w@example.com", "one", "1").status == 200);
  }
  const auto backups = dir / "backups";
  std::filesystem::create_directories(backups);
  // Copies named for this second and the next ten stand for a run a moment ago.
  const auto now = std::chrono::system_clock::now();
  std::vector<std::filesystem::path> taken;
  for (int i = 0; i <= 10; ++i) {
    taken.push_back(backups / ("comments-" + utc_stamp(now + std::chrono::seconds(i)) + ".db"));
    write_file(taken.back(), "earlier copy");
  }
  auto run = run_service_command(
      {"backup", "--storage", "sqlite:" + db, "--to-dir", backups.string(), "--keep", "1"});
  CAPTURE(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Catch::Contains("exists already (another backup in the same second); "
                                         "nothing was replaced"));
  // Nothing replaced, nothing removed, no partial file left behind.
  CHECK(names_in(backups).size() == taken.size());
  for (const auto& path : taken) {
    CHECK(contents_of(path) == "earlier copy");
  }
}

TEST_CASE("backup --to-dir into a folder the user cannot write exits 2 and writes nothing") {
  TempDir dir;
  const auto db = (dir / "comments.db").string();
  {
    ServiceProcess s(on_sqlite(dir, {}));
    REQUIRE(s.wait_listening());
  }
  const auto locked = dir / "locked";
  std::filesystem::create_directories(locked);
  namespace fs = std::filesystem;
  // Readable and searchable by anyone, writable by no one (root aside: the run drops to nobody).
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  auto run = run_service_command_unprivileged(
      {"backup", "--storage", "sqlite:" + db, "--to-dir", locked.string(), "--keep", "2"});
  CAPTURE(run.output);
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Catch::Contains("--to-dir '" + locked.string() +
                                         "' is not writable (Permission denied)"));
  CHECK(names_in(locked).empty());
}

TEST_CASE("backup flag errors exit 2 with their message") {
  TempDir dir;
  const auto db = (dir / "comments.db").string();
  {
    ServiceProcess s(on_sqlite(dir, {}));
    REQUIRE(s.wait_listening());
  }
  write_file(dir / "file", "");
  const std::string storage = "sqlite:" + db;
  const std::string to_dir = dir.path().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--to-dir", (dir / "missing").string()},
       "--to-dir '" + (dir / "missing").string() + "' does not exist"},
      {{"--to-dir", (dir / "file").string()},
       "--to-dir '" + (dir / "file").string() + "' is not a directory"},
      {{"--to-dir", to_dir, "--keep", "0"}, "'0' must be a whole number from 1 to 10000"},
      {{"--to-dir", to_dir, "--keep", "-1"}, "must be a whole number from 1 to 10000"},
      {{"--to-dir", to_dir, "--keep", "seven"}, "'seven' must be a whole number from 1 to 10000"},
      {{"--to", (dir / "x.db").string(), "--keep", "3"}, "--keep requires --to-dir"},
      {{"--to", (dir / "x.db").string(), "--to-dir", to_dir}, "--to excludes --to-dir"},
      {{}, "give --to FILE (one copy, replaced) or --to-dir DIR (dated copies)"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args{"backup", "--storage", storage};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = run_service_command(args);
    CAPTURE(flags, r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(message));
  }
  // None of them wrote anything (the database's own -wal and -shm aside).
  for (const auto& name : names_in(dir.path())) {
    CHECK((name == "file" || name.starts_with("comments.db")));
  }
}
