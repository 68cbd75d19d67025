// The moderation API of the real binary, as a moderator and a visitor see it: authentication,
// hiding and deleting (gone from public lists, a new ETag), blocks (403, nothing stored),
// pre-moderation and the audit log. Compiled twice: over SQLite here, and over PostgreSQL in
// service_postgres_tests (MODERATION_TEST_POSTGRES), where a second replica must see hides too.
#include <catch2/catch.hpp>
#include <fstream>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"
#include "tests/service/support/temp_dir.hpp"
#ifdef MODERATION_TEST_POSTGRES
#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#endif

using namespace comments::testing;
using namespace std::chrono_literals;

namespace {

const std::string kAliceToken = "alice-token-0123456789abcdef";
const std::string kBobToken = "bob-token-fedcba9876543210";

// A token file and storage for one test: SQLite in the temporary directory, or a fresh
// PostgreSQL database.
struct Setup {
  TempDir dir;
  std::string tokens = (dir / "tokens").string();
#ifdef MODERATION_TEST_POSTGRES
  std::string storage = fresh_database();
#else
  std::string storage = "sqlite:" + (dir / "comments.db").string();
#endif
  Setup() {
    std::ofstream(tokens) << "# moderators\nalice:" << kAliceToken << "\nbob:" << kBobToken << "\n";
  }
  std::vector<std::string> args(std::vector<std::string> more = {}) const {
    std::vector<std::string> a{"--storage", storage, "--admin-token-file", tokens};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
};

std::map<std::string, std::string> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

HttpResponse admin(std::uint16_t port, const std::string& method, const std::string& target,
                   const std::string& token = kAliceToken, const std::string& body = {}) {
  return HttpClient(port).request(method, target, body, bearer(token));
}

std::vector<std::string> public_texts(std::uint16_t port, const std::string& content) {
  auto r = HttpClient(port).get("/api/comment/list/" + content);
  std::vector<std::string> out;
  if (r.status == 200) {
    const auto list = r.json();
    for (const auto& c : list.as_array()) {
      out.push_back(text(c.at("comment")));
    }
  }
  return out;
}

std::int64_t post(std::uint16_t port, const std::string& email, const std::string& comment,
                  const std::string& content) {
  auto r = HttpClient(port).post_comment(email, comment, json_string(content));
  REQUIRE(r.status == 200);
  return r.json().at("id").as_int64();
}

// Every comment of content, any state, as moderators see them (newest first).
boost::json::array moderated(std::uint16_t port, const std::string& content) {
  auto r = admin(port, "GET", "/api/admin/comments?content_id=" + content);
  REQUIRE(r.status == 200);
  return r.json().at("comments").as_array();
}

void start(ServiceProcess& s) { REQUIRE(s.wait_listening()); }

}  // namespace

TEST_CASE("the moderation API needs a moderator's bearer token") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  HttpClient c(s.port());
  auto none = c.get("/api/admin/comments");
  CHECK(none.status == 401);
  CHECK(none.header("www-authenticate") == "Bearer realm=\"comments-admin\"");
  CHECK(text(none.json().at("status")) == "UNAUTHORIZED");
  for (const auto& wrong : {std::string("Bearer ") + kAliceToken + "x", std::string("Bearer nope"),
                            std::string("Basic ") + kAliceToken, kAliceToken}) {
    CAPTURE(wrong);
    auto r = c.request("GET", "/api/admin/comments", {}, {{"Authorization", wrong}});
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate") == "Bearer realm=\"comments-admin\"");
  }
  // Nothing done without a token: the comment stays listed.
  post(s.port(), "a@example.com", "stays", "auth");
  CHECK(c.request("POST", "/api/admin/comments/1/hide").status == 401);
  CHECK(public_texts(s.port(), "auth") == std::vector<std::string>{"stays"});
  CHECK(admin(s.port(), "GET", "/api/admin/comments").status == 200);
  CHECK(admin(s.port(), "GET", "/api/admin/comments", kBobToken).status == 200);
  CHECK(admin(s.port(), "GET", "/api/admin/nothing-here").status == 404);
}

#ifndef MODERATION_TEST_POSTGRES
TEST_CASE("without a token file the moderation API does not exist") {
  TempDir dir;
  ServiceProcess s({"--storage", "sqlite:" + (dir / "c.db").string()});
  start(s);
  for (const char* target : {"/api/admin/comments", "/api/admin/blocks", "/api/admin/audit"}) {
    auto r = admin(s.port(), "GET", target);
    CHECK(r.status == 404);
    CHECK(text(r.json().at("status")) == "NOT-FOUND");
  }
}

TEST_CASE("a missing or malformed token file stops the start with exit code 2") {
  TempDir dir;
  const auto db = "sqlite:" + (dir / "c.db").string();
  const auto missing = (dir / "missing").string();
  auto r = run_service_command({"--storage", db, "--admin-token-file", missing});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("--admin-token-file: cannot read '" + missing + "'"));

  const auto bad = (dir / "bad").string();
  std::ofstream(bad) << "alice:" << kAliceToken << "\nbob-without-a-token\n";
  r = run_service_command({"--storage", db, "--admin-token-file", bad});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains(bad + ":2: expected name:token"));

  const auto weak = (dir / "weak").string();
  std::ofstream(weak) << "alice:short\n";
  r = run_service_command({"--storage", db, "--admin-token-file", weak});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains(weak + ":1: the token of 'alice' must be 16-4096"));
  CHECK_THAT(r.output, !Catch::Contains("short"));  // a token is never echoed

  const auto empty = (dir / "empty").string();
  std::ofstream(empty) << "# nobody yet\n";
  r = run_service_command({"--storage", db, "--admin-token-file", empty});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("holds no name:token line"));
}
#endif

TEST_CASE("hidden and deleted comments leave public lists, with a new ETag") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  const auto first = post(s.port(), "a@example.com", "first", "hide");
  const auto second = post(s.port(), "b@example.com", "second", "hide");
  const auto third = post(s.port(), "c@example.com", "third", "hide");
  auto before = HttpClient(s.port()).get("/api/comment/list/hide");
  REQUIRE(before.status == 200);  // cached now
  const auto etag = before.header("etag");

  auto hidden = admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(second) + "/hide");
  REQUIRE(hidden.status == 200);
  CHECK(text(hidden.json().at("state")) == "hidden");
  auto after = HttpClient(s.port()).get("/api/comment/list/hide");
  CHECK(public_texts(s.port(), "hide") == std::vector<std::string>{"first", "third"});
  CHECK(after.header("etag") != etag);
  // Counts are what lists show.
  CHECK(HttpClient(s.port()).get("/api/comment/count?content_id=hide").body == R"({"hide":2})");
  // A client revalidating with the old ETag gets the new list, not 304.
  auto revalidated =
      HttpClient(s.port()).request("GET", "/api/comment/list/hide", {}, {{"If-None-Match", etag}});
  CHECK(revalidated.status == 200);

  CHECK(
      admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(second) + "/unhide").status ==
      200);
  CHECK(public_texts(s.port(), "hide") == std::vector<std::string>{"first", "second", "third"});

  auto deleted =
      admin(s.port(), "DELETE", "/api/admin/comments/" + std::to_string(first), kBobToken);
  REQUIRE(deleted.status == 200);
  CHECK(public_texts(s.port(), "hide") == std::vector<std::string>{"second", "third"});
  // The tombstone keeps its id and place; ids after it are unchanged.
  auto all = moderated(s.port(), "hide");
  REQUIRE(all.size() == 3);
  CHECK(all[2].at("id").as_int64() == first);
  CHECK(text(all[2].at("state")) == "deleted");
  CHECK(text(all[2].at("comment")).empty());
  CHECK(all[0].at("id").as_int64() == third);
  // A deleted comment cannot come back.
  auto back = admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(first) + "/unhide");
  CHECK(back.status == 409);
  CHECK(text(back.json().at("status")) == "CONFLICT");

  auto unknown = admin(s.port(), "POST", "/api/admin/comments/999999/hide");
  CHECK(unknown.status == 404);
  CHECK(text(unknown.json().at("status")) == "NOT-FOUND");
  CHECK(admin(s.port(), "DELETE", "/api/admin/comments/999999").status == 404);
}

TEST_CASE("moderators list comments newest first, by state and page") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(post(s.port(), "p@example.com", "n" + std::to_string(i), "pages"));
  }
  admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(ids[1]) + "/hide");
  admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(ids[3]) + "/hide");

  std::vector<std::int64_t> seen;
  std::string target = "/api/admin/comments?content_id=pages&limit=2";
  for (int guard = 0; guard < 10; ++guard) {
    auto r = admin(s.port(), "GET", target);
    REQUIRE(r.status == 200);
    auto body = r.json().as_object();
    for (const auto& c : body.at("comments").as_array()) {
      seen.push_back(c.at("id").as_int64());
    }
    if (body.at("next_cursor").is_null()) {
      break;
    }
    target = "/api/admin/comments?content_id=pages&limit=2&cursor=" + text(body.at("next_cursor"));
  }
  CHECK(seen == std::vector<std::int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]});

  auto hidden = admin(s.port(), "GET", "/api/admin/comments?content_id=pages&state=hidden");
  REQUIRE(hidden.status == 200);
  auto list = hidden.json().at("comments").as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[0].at("id").as_int64() == ids[3]);
  CHECK(list[1].at("id").as_int64() == ids[1]);
  CHECK(admin(s.port(), "GET", "/api/admin/comments?state=gone").status == 400);
  CHECK(admin(s.port(), "GET", "/api/admin/comments?limit=0").status == 400);
  CHECK(admin(s.port(), "GET", "/api/admin/comments?cursor=x").status == 400);
}

TEST_CASE("a blocked poster gets 403 and nothing is stored") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  post(s.port(), "ok@example.com", "before", "blocks");
  auto block = admin(s.port(), "POST", "/api/admin/blocks", kAliceToken,
                     R"({"email": "  Spammer@Example.COM "})");
  REQUIRE(block.status == 201);
  CHECK(text(block.json().at("value")) == "spammer@example.com");
  const auto block_id = block.json().at("id").as_int64();

  auto refused =
      HttpClient(s.port()).post_comment("SPAMMER@Example.com", "buy now", json_string("blocks"));
  CHECK(refused.status == 403);
  CHECK(text(refused.json().at("status")) == "FORBIDDEN");
  CHECK(moderated(s.port(), "blocks").size() == 1);  // nothing stored, in any state
  CHECK(public_texts(s.port(), "blocks") == std::vector<std::string>{"before"});

  // The client address the service computes: here the loopback peer, written any way.
  auto by_address = admin(s.port(), "POST", "/api/admin/blocks", kAliceToken,
                          R"({"address": "::ffff:127.0.0.1"})");
  REQUIRE(by_address.status == 201);
  CHECK(text(by_address.json().at("value")) == "127.0.0.1");
  CHECK(
      HttpClient(s.port()).post_comment("ok@example.com", "again", json_string("blocks")).status ==
      403);
  CHECK(moderated(s.port(), "blocks").size() == 1);

  auto listed = admin(s.port(), "GET", "/api/admin/blocks").json().at("blocks").as_array();
  CHECK(listed.size() == 2);
  CHECK(admin(s.port(), "DELETE",
              "/api/admin/blocks/" + std::to_string(by_address.json().at("id").as_int64()))
            .status == 200);
  CHECK(admin(s.port(), "DELETE", "/api/admin/blocks/" + std::to_string(block_id)).status == 200);
  CHECK(admin(s.port(), "DELETE", "/api/admin/blocks/" + std::to_string(block_id)).status == 404);
  post(s.port(), "spammer@example.com", "reformed", "blocks");
  CHECK(public_texts(s.port(), "blocks") == std::vector<std::string>{"before", "reformed"});

  for (const char* bad : {R"({"email": ""})", R"({"address": "example.com"})", R"({"name": "x"})",
                          R"({"email": "a@b", "address": "127.0.0.1"})", "not json"}) {
    CAPTURE(bad);
    CHECK(admin(s.port(), "POST", "/api/admin/blocks", kAliceToken, bad).status == 400);
  }
}

TEST_CASE("under pre-moderation a comment is listed only once approved") {
  Setup setup;
  ServiceProcess s(setup.args({"--moderation", "pre"}));
  start(s);
  auto r = HttpClient(s.port()).post_comment("new@example.com", "hello", json_string("pre"));
  REQUIRE(r.status == 200);
  auto answer = r.json().as_object();
  CHECK(text(answer.at("status")) == "SUCCESS");
  CHECK(text(answer.at("state")) == "pending");
  CHECK_THAT(text(answer.at("message")), Catch::Contains("awaits moderation"));
  const auto id = answer.at("id").as_int64();
  CHECK(HttpClient(s.port()).get("/api/comment/list/pre").status == 404);
  CHECK(HttpClient(s.port()).get("/api/comment/count?content_id=pre").body == R"({"pre":0})");

  auto pending =
      admin(s.port(), "GET", "/api/admin/comments?state=pending").json().at("comments").as_array();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].at("id").as_int64() == id);
  CHECK(admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(id) + "/approve").status ==
        200);
  CHECK(public_texts(s.port(), "pre") == std::vector<std::string>{"hello"});
  CHECK(HttpClient(s.port()).get("/api/comment/count?content_id=pre").body == R"({"pre":1})");
  // Approving twice changes nothing and is no error.
  auto again = admin(s.port(), "POST", "/api/admin/comments/" + std::to_string(id) + "/approve");
  CHECK(again.status == 200);
  CHECK_FALSE(again.json().at("changed").as_bool());
}

TEST_CASE("without pre-moderation the POST answer is the original one") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  auto r = HttpClient(s.port()).post_comment("new@example.com", "hello", json_string("plain"));
  REQUIRE(r.status == 200);
  auto answer = r.json().as_object();
  CHECK(answer.size() == 3);
  CHECK(text(answer.at("message")) == "comment created and associated with content_id plain");
  CHECK(public_texts(s.port(), "plain") == std::vector<std::string>{"hello"});
}

TEST_CASE("every admin action is in the audit log, newest first, with the moderator's name") {
  Setup setup;
  ServiceProcess s(setup.args());
  start(s);
  const auto id = post(s.port(), "a@example.com", "audited", "audit");
  const auto sid = std::to_string(id);
  admin(s.port(), "POST", "/api/admin/comments/" + sid + "/hide", kAliceToken);
  admin(s.port(), "POST", "/api/admin/comments/" + sid + "/unhide", kBobToken);
  auto block =
      admin(s.port(), "POST", "/api/admin/blocks", kBobToken, R"({"email":"x@example.com"})");
  admin(s.port(), "DELETE", "/api/admin/blocks/" + std::to_string(block.json().at("id").as_int64()),
        kAliceToken);
  admin(s.port(), "DELETE", "/api/admin/comments/" + sid, kAliceToken);
  // Reads and refused requests are not actions.
  admin(s.port(), "GET", "/api/admin/comments");
  HttpClient(s.port()).request("DELETE", "/api/admin/comments/" + sid, {},
                               bearer("wrong-token-0123456789"));

  using Row = std::tuple<std::string, std::string, std::string>;
  std::vector<Row> rows;
  std::string target = "/api/admin/audit?limit=2";
  for (int guard = 0; guard < 10; ++guard) {
    auto r = admin(s.port(), "GET", target);
    REQUIRE(r.status == 200);
    auto body = r.json().as_object();
    for (const auto& e : body.at("entries").as_array()) {
      rows.emplace_back(text(e.at("actor")), text(e.at("action")), text(e.at("target")));
      CHECK(!text(e.at("at")).empty());
    }
    if (body.at("next_cursor").is_null()) {
      break;
    }
    target = "/api/admin/audit?limit=2&cursor=" + text(body.at("next_cursor"));
  }
  CHECK(rows == std::vector<Row>{{"alice", "delete", "comment " + sid},
                                 {"alice", "unblock",
                                  "block " + std::to_string(block.json().at("id").as_int64())},
                                 {"bob", "block", "email x@example.com"},
                                 {"bob", "unhide", "comment " + sid},
                                 {"alice", "hide", "comment " + sid}});
  CHECK(HttpClient(s.port()).get("/api/admin/audit").status == 401);
}

#ifdef MODERATION_TEST_POSTGRES
TEST_CASE("a comment hidden on one replica leaves another replica's cached list at once") {
  Setup setup;
  auto replicas = start_replicas(2, setup.storage, {"--admin-token-file", setup.tokens});
  auto& a = *replicas[0];
  auto& b = *replicas[1];
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
    REQUIRE(eventually([&] { return synchronized(r->port()); }, 10s));
  }
  const auto keep = post(a.port(), "a@example.com", "keep", "replicas");
  const auto hide = post(a.port(), "b@example.com", "hide me", "replicas");
  const auto gone = post(a.port(), "c@example.com", "delete me", "replicas");
  (void)keep;
  REQUIRE(
      eventually([&] { return cached_list(b.port(), "replicas").size() == 3; }, kStalenessBound));
  const auto etag = HttpClient(b.port()).get("/api/comment/list/replicas").header("etag");

  REQUIRE(admin(a.port(), "POST", "/api/admin/comments/" + std::to_string(hide) + "/hide").status ==
          200);
  CHECK(eventually(
      [&] {
        return cached_list(b.port(), "replicas") == std::vector<std::string>{"keep", "delete me"};
      },
      kStalenessBound));
  CHECK(HttpClient(b.port()).get("/api/comment/list/replicas").header("etag") != etag);

  REQUIRE(
      admin(b.port(), "DELETE", "/api/admin/comments/" + std::to_string(gone), kBobToken).status ==
      200);
  CHECK(eventually(
      [&] { return cached_list(a.port(), "replicas") == std::vector<std::string>{"keep"}; },
      kStalenessBound));
}
#endif
