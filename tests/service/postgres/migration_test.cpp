// Moving from SQLite to PostgreSQL the documented way (docs/operations.md): the real service on
// SQLite takes comments, hides, deletes and blocks; `comments-service export` writes them,
// `comments-service import` reads them into PostgreSQL, and the service on PostgreSQL then
// answers every list, count and ETag byte for byte as the SQLite one did.
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;

namespace {

const std::string kToken = "migration-token-0123456789abcdef";
const std::map<std::string, std::string> kBearer{{"Authorization", "Bearer " + kToken}};
const std::vector<std::string> kContents{"article-1", "article-2", "docs:page_3.html~v2",
                                         "no-comments"};

// Everything a client or a moderator can read, each answer's status, ETag and body.
std::map<std::string, std::string> observe(std::uint16_t port) {
  std::map<std::string, std::string> seen;
  auto record = [&](const std::string& target, const HttpResponse& r) {
    seen[target] = std::to_string(r.status) + " etag=" + r.header("etag") + "\n" + r.body;
  };
  for (const auto& content : kContents) {
    const auto target = "/api/comment/list/" + content;
    record(target, HttpClient(port).get(target));
  }
  std::string counts = "/api/comment/count?";
  for (const auto& content : kContents) {
    counts += "content_id=" + content + "&";
  }
  record(counts, HttpClient(port).get(counts));
  for (const std::string target :
       {"/api/admin/comments", "/api/admin/blocks", "/api/admin/audit"}) {
    record(target, HttpClient(port).request("GET", target, {}, kBearer));
  }
  return seen;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void stop(ServiceProcess& s) {
  s.signal(SIGTERM);
  REQUIRE(s.wait_exit() == 0);
}

}  // namespace

TEST_CASE("PostgreSQL: SQLite export, import: identical lists, counts and ETags, again nothing") {
  TempDir dir;
  const auto tokens = (dir / "tokens").string();
  std::ofstream(tokens) << "alice:" << kToken << "\n";
  const std::string sqlite = "sqlite:" + (dir / "comments.db").string();
  const auto file = (dir / "export.ndjson").string();

  std::map<std::string, std::string> on_sqlite;
  std::int64_t last_id = 0;
  {
    ServiceProcess s({"--storage", sqlite, "--admin-token-file", tokens});
    REQUIRE(s.wait_listening());
    auto post = [&](const std::string& email, const std::string& text, const std::string& content) {
      auto r = HttpClient(s.port()).post_comment(email, text, json_string(content));
      REQUIRE(r.status == 200);
      last_id = r.json().at("id").as_int64();
      return last_id;
    };
    post("a@example.com", "first", "article-1");
    const auto hidden = post("b@example.com", "to be hidden", "article-1");
    post("c@example.com", "Grüße aus Köln ✓ — 日本語 🎉 \"quoted\"\nsecond line", "article-1");
    const auto deleted = post("d@example.com", "to be deleted", "article-2");
    post("e@example.com", "stays", "article-2");
    post("f@example.com", "ü content", "docs:page_3.html~v2");
    auto admin = [&](const std::string& method, const std::string& target,
                     const std::string& body = {}) {
      return HttpClient(s.port()).request(method, target, body, kBearer);
    };
    REQUIRE(admin("POST", "/api/admin/comments/" + std::to_string(hidden) + "/hide").status == 200);
    REQUIRE(admin("DELETE", "/api/admin/comments/" + std::to_string(deleted)).status == 200);
    REQUIRE(admin("POST", "/api/admin/blocks", R"({"email":"spammer@example.com"})").status < 300);
    REQUIRE(admin("POST", "/api/admin/blocks", R"({"address":"192.0.2.7"})").status < 300);
    on_sqlite = observe(s.port());
    stop(s);  // one process per SQLite file: export opens it too
  }
  CHECK_THAT(on_sqlite["/api/comment/list/article-1"], Catch::Contains("Grüße aus Köln"));
  CHECK_THAT(on_sqlite["/api/admin/comments"], Catch::Contains("\"state\":\"deleted\""));
  // Lists carry ETags, so comparing the answers compares them too.
  CHECK_THAT(on_sqlite["/api/comment/list/article-1"],
             Catch::StartsWith("200 etag=\"") || Catch::StartsWith("200 etag=W/\""));

  auto exported = run_service_command({"export", "--storage", sqlite, "--to", file});
  REQUIRE(exported.exit_code == 0);
  CHECK_THAT(
      exported.output,
      Catch::Contains("wrote 6 comments, 2 blocks and 4 audit entries from sqlite to " + file));
  const auto lines = read_file(file);
  CHECK(lines.starts_with(
      R"({"type":"header","format":"comments-service-export","version":1,"backend":"sqlite"})"));

  const auto db = fresh_database();
  auto imported = run_service_command({"import", "--storage", db, "--from", file});
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.output,
             Catch::Contains(file + " into postgresql: 6 comments imported, 0 already present; 2 "
                                    "blocks imported, 0 already present; 4 audit entries imported, "
                                    "0 already present"));
  // Again: all there already, nothing written.
  auto again = run_service_command({"import", "--storage", db, "--from", file});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.output, Catch::Contains("0 comments imported, 6 already present; 0 blocks "
                                           "imported, 2 already present; 0 audit entries "
                                           "imported, 4 already present"));

  {
    ServiceProcess s({"--storage", db, "--admin-token-file", tokens});
    REQUIRE(s.wait_listening());
    REQUIRE(wait_ready(s.port()));
    const auto on_postgres = observe(s.port());
    for (const auto& [target, answer] : on_sqlite) {
      CAPTURE(target);
      CHECK(on_postgres.at(target) == answer);
    }
    // Blocks hold on PostgreSQL too, and a new comment gets an id of its own.
    CHECK(HttpClient(s.port())
              .post_comment("spammer@example.com", "x", json_string("article-1"))
              .status == 403);
    auto fresh = HttpClient(s.port()).post_comment("new@example.com", "after the move",
                                                   json_string("article-1"));
    REQUIRE(fresh.status == 200);
    CHECK(fresh.json().at("id").as_int64() == last_id + 1);
    stop(s);
  }

  // An export that disagrees with what is stored is refused with its line, and changes nothing.
  auto changed = lines;
  changed.replace(changed.find("\"first\""), 7, "\"FIRST\"");
  std::ofstream(dir / "changed.ndjson") << changed;
  auto conflict =
      run_service_command({"import", "--storage", db, "--from", (dir / "changed.ndjson").string()});
  CHECK(conflict.exit_code == 1);
  CHECK_THAT(conflict.output,
             Catch::Contains("changed.ndjson: line 2: comment 1 is stored already with a different "
                             "comment; nothing was imported"));
  CHECK(psql(db, "SELECT comment FROM comments WHERE id = 1") == "first");

  // Negative control: the comparison above tells a changed import from an exact one.
  const auto other = fresh_database();
  REQUIRE(run_service_command(
              {"import", "--storage", other, "--from", (dir / "changed.ndjson").string()})
              .exit_code == 0);
  ServiceProcess s({"--storage", other, "--admin-token-file", tokens});
  REQUIRE(s.wait_listening());
  REQUIRE(wait_ready(s.port()));
  const auto differs = observe(s.port());
  CHECK(differs.at("/api/comment/list/article-1") != on_sqlite.at("/api/comment/list/article-1"));
  CHECK(differs.at("/api/comment/list/article-2") == on_sqlite.at("/api/comment/list/article-2"));
}

TEST_CASE("PostgreSQL: a bad line imports nothing, and says which line and why") {
  TempDir dir;
  const auto file = (dir / "bad.ndjson").string();
  std::ofstream(file)
      << R"({"type":"header","format":"comments-service-export","version":1,"backend":"sqlite"})"
         "\n"
      << R"({"type":"comment","id":1,"content_id":"a","email":"e@example.com","comment":"fine","created_at":"2024-01-02T03:04:05.678Z","state":"visible"})"
         "\n"
      << R"({"type":"comment","id":2,"content_id":"a","email":"e@example.com","comment":"bad","created_at":"2024-01-02T03:04:05.678Z","state":"shown"})"
         "\n";
  const auto db = fresh_database();
  auto r = run_service_command({"import", "--storage", db, "--from", file});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output,
             Catch::Contains(file + ": line 3: comment \"state\" must be visible, hidden, "
                                    "pending or deleted, not \"shown\"; nothing was imported"));
  // The database was not touched: not even its tables exist.
  CHECK(psql(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'comments'") == "0");
}
