// Database faults against the real binary, each test with its own PostgreSQL it stops, freezes
// or re-keys: requests fail fast with a 503 JSON, readiness follows the database, liveness
// never does, everything recovers without a restart and no acknowledged comment is lost.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/service/postgres/cluster.hpp"
#include "tests/service/postgres/observe.hpp"
#include "tests/service/support/http_client.hpp"
#include "tests/service/support/temp_dir.hpp"

using namespace comments::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Writers posting to the replicas in turn until stopped, keeping what was acknowledged and how
// every refusal looked.
class Load {
 public:
  Load(const std::vector<std::unique_ptr<ServiceProcess>>& replicas, int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back([this, &replicas, w] { write(replicas, w); });
    }
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }
  std::size_t acknowledged() {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }
  std::size_t refused() { return refused_.load(); }
  std::vector<std::string> acknowledged_texts() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::atomic<bool> bad_refusal{false};  // a failure other than a 503 with a JSON message
  std::atomic<long> slowest_refusal_ms{0};

 private:
  void write(const std::vector<std::unique_ptr<ServiceProcess>>& replicas, int w) {
    for (int i = 0; i < 1'000'000 && !stop_; ++i) {
      const std::string text = std::to_string(w) + ":" + std::to_string(i);
      const auto t0 = Clock::now();
      HttpResponse r;
      try {
        r = HttpClient(replicas[static_cast<std::size_t>(i) % replicas.size()]->port())
                .post_comment("l@example.com", text, "\"load\"");
      } catch (const std::exception&) {
        bad_refusal = true;  // no answer at all (30 s client timeout): a hanging request
        continue;
      }
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
      if (r.status == 200) {
        std::lock_guard lock(mutex_);
        acked_.push_back(text);
        continue;
      }
      refused_.fetch_add(1);
      long prev = slowest_refusal_ms.load();
      while (ms > prev && !slowest_refusal_ms.compare_exchange_weak(prev, ms)) {
      }
      try {
        if (r.status != 503 || r.json().at("message").as_string().empty()) {
          bad_refusal = true;
        }
      } catch (const std::exception&) {
        bad_refusal = true;
      }
      std::this_thread::sleep_for(20ms);  // a client backing off a little
    }
  }

  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> acked_;
  std::atomic<std::size_t> refused_{0};
  std::vector<std::thread> threads_;
};

// Every acknowledged comment is listed, and each writer's in the order it wrote them.
void check_all_listed(std::uint16_t port, const std::vector<std::string>& acknowledged) {
  const auto listed = list_texts(port, "load");
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    position[listed[i]] = i;
  }
  std::size_t missing = 0;
  std::size_t out_of_order = 0;
  std::map<std::string, std::size_t> last_of_writer;
  for (const auto& a : acknowledged) {
    auto it = position.find(a);
    if (it == position.end()) {
      ++missing;
      continue;
    }
    const auto writer = a.substr(0, a.find(':'));
    if (auto prev = last_of_writer.find(writer);
        prev != last_of_writer.end() && prev->second > it->second) {
      ++out_of_order;
    }
    last_of_writer[writer] = it->second;
  }
  INFO("acknowledged " << acknowledged.size() << ", listed " << listed.size());
  CHECK(missing == 0);
  CHECK(out_of_order == 0);
}

}  // namespace

TEST_CASE(
    "PostgreSQL stopping under load: fast 503s, readiness flips, liveness holds, then recovery") {
  PostgresCluster pg;
  auto replicas = start_replicas(2, pg.url());
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  Load load(replicas, 6);
  REQUIRE(eventually([&] { return load.acknowledged() >= 200; }, 30s));

  pg.stop("immediate");  // as a crash or a lost node would
  const auto stopped = Clock::now();
  for (auto& r : replicas) {
    CHECK(eventually([&] { return status_of(r->port(), "/readyz") == 503; }, 8s));
  }
  INFO("readiness flipped after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped).count()
       << " ms");
  CHECK(Clock::now() - stopped < 8s);
  const auto readyz = HttpClient(replicas[0]->port()).get("/readyz");
  CHECK_THAT(std::string(readyz.json().at("message").as_string()),
             Catch::Contains("storage unavailable"));
  REQUIRE(eventually([&] { return load.refused() >= 50; }, 20s));
  for (auto& r : replicas) {
    CHECK(status_of(r->port(), "/healthz") == 200);
  }
  CHECK_FALSE(load.bad_refusal.load());
  CHECK(load.slowest_refusal_ms.load() < 3000);

  pg.start();
  const auto before = load.acknowledged();
  for (auto& r : replicas) {
    CHECK(wait_ready(r->port(), 20s));
  }
  CHECK(eventually([&] { return load.acknowledged() >= before + 200; }, 30s));
  load.stop();
  for (auto& r : replicas) {
    CHECK(r->running());  // recovered without a restart
  }
  CHECK_FALSE(load.bad_refusal.load());
  check_all_listed(replicas[1]->port(), load.acknowledged_texts());
}

TEST_CASE("sessions PostgreSQL ended while they sat idle never fail a request") {
  PostgresCluster pg;
  auto replicas = start_replicas(2, pg.url());
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port()));
  }
  std::vector<std::string> posted;
  auto use_every_replica = [&](const std::string& round) {
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      const auto text = round + " on " + std::to_string(i);
      HttpClient c(replicas[i]->port());
      auto created = c.post_comment("i@example.com", text, "\"idle\"");
      INFO(round << ", replica " << i << ": " << created.body);
      CHECK(created.status == 200);
      posted.push_back(text);
      CHECK(c.get("/api/comment/list/idle?limit=100").status == 200);
      CHECK(c.get("/api/comment/list/idle").status == 200);
    }
  };
  use_every_replica("before");

  // An administrator (or a failover, or a pooler) ends every session of the service; the next
  // request on each replica comes right after, before any health check could notice.
  CHECK(pg.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                "application_name LIKE 'comments-service%'") != "0");
  use_every_replica("after pg_terminate_backend");

  // A restart: every session ends with the server; once ready again, nothing fails.
  pg.stop("fast");
  pg.start();
  for (auto& r : replicas) {
    REQUIRE(wait_ready(r->port(), 20s));
  }
  use_every_replica("after a restart");
  CHECK(list_texts(replicas[1]->port(), "idle") == posted);
}

TEST_CASE("a frozen database (connections accepted, nothing answered) never hangs a request") {
  PostgresCluster pg;
  ServiceProcess s({"--storage", pg.url(), "--log-level", "warn"});
  REQUIRE(s.wait_listening());
  REQUIRE(wait_ready(s.port()));
  HttpClient c(s.port());
  REQUIRE(c.post_comment("f@example.com", "before", "\"frozen\"").status == 200);

  pg.freeze();
  const auto frozen = Clock::now();
  std::atomic<unsigned> post_status{0};
  std::atomic<long> post_ms{0};
  std::thread poster([&] {
    const auto t0 = Clock::now();
    post_status = status_of(s.port(), "/api/comment/list/frozen");
    post_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  });
  CHECK(eventually([&] { return status_of(s.port(), "/readyz") == 503; }, 10s));
  INFO("readiness flipped after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - frozen).count()
       << " ms");
  const auto t0 = Clock::now();
  CHECK(status_of(s.port(), "/healthz") == 200);
  CHECK(Clock::now() - t0 < 1s);
  poster.join();
  CHECK(post_status.load() == 503);
  CHECK(post_ms.load() < 8000);
  // Once it is known to be down, requests are refused at once instead of waiting again.
  const auto t1 = Clock::now();
  auto refused = HttpClient(s.port()).post_comment("f@example.com", "during", "\"frozen\"");
  CHECK(refused.status == 503);
  CHECK(Clock::now() - t1 < 4s);

  pg.thaw();
  CHECK(wait_ready(s.port(), 20s));
  CHECK(eventually(
      [&] {
        return HttpClient(s.port()).post_comment("f@example.com", "after", "\"frozen\"").status ==
               200;
      },
      10s));
  CHECK(list_texts(s.port(), "frozen").front() == "before");
  CHECK(list_texts(s.port(), "frozen").back() == "after");
}

TEST_CASE("the service starts while PostgreSQL is down, is not ready, and migrates once it is up") {
  PostgresCluster pg;
  pg.stop();
  ServiceProcess s({"--storage", pg.url(), "--log-level", "warn"});
  REQUIRE(s.wait_listening());
  CHECK(eventually([&] { return status_of(s.port(), "/readyz") == 503; }, 5s));
  CHECK(status_of(s.port(), "/healthz") == 200);
  const auto t0 = Clock::now();
  auto refused = HttpClient(s.port()).post_comment("d@example.com", "too early", "1");
  CHECK(refused.status == 503);
  CHECK_FALSE(refused.json().at("message").as_string().empty());
  CHECK(Clock::now() - t0 < 3s);

  pg.start();
  REQUIRE(wait_ready(s.port(), 20s));
  CHECK(HttpClient(s.port()).post_comment("d@example.com", "in time", "1").status == 200);
  CHECK(list_texts(s.port(), "1") == std::vector<std::string>{"in time"});
  CHECK(pg.psql("SELECT max(version) FROM schema_migrations") == last_migration_version());
  CHECK(s.running());
}

TEST_CASE("the password comes from a file, is re-read on reconnect, and is never logged") {
  PostgresCluster pg("first-Secret-1");
  TempDir dir;
  const auto file = (dir / "password").string();
  std::ofstream(file) << "first-Secret-1\n";
  ServiceProcess s({"--storage", pg.url(), "--storage-password-file", file});
  REQUIRE(s.wait_listening());
  REQUIRE(wait_ready(s.port()));
  REQUIRE(HttpClient(s.port()).post_comment("p@example.com", "one", "\"pw\"").status == 200);

  // Rotation: the database gets a new password, the mounted Secret the same, and the
  // service's sessions end; it reconnects with what the file holds now.
  std::ofstream(file) << "second-Secret-2\n";
  pg.psql(
      "ALTER USER postgres PASSWORD 'second-Secret-2'; "
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
      "'comments-service'");
  CHECK(eventually(
      [&] {
        return HttpClient(s.port()).post_comment("p@example.com", "two", "\"pw\"").status == 200;
      },
      10s));
  CHECK(wait_ready(s.port()));
  CHECK(list_texts(s.port(), "pw") == std::vector<std::string>{"one", "two"});

  // A wrong password: running, not ready, and the log says why (clients get a generic reason).
  const auto wrong = (dir / "wrong").string();
  std::ofstream(wrong) << "wrong-Secret-3";
  ServiceProcess bad({"--storage", pg.url(), "--storage-password-file", wrong});
  REQUIRE(bad.wait_listening());
  CHECK(eventually([&] { return status_of(bad.port(), "/readyz") == 503; }, 5s));
  CHECK(eventually(
      [&] { return bad.output().find("password authentication failed") != std::string::npos; },
      5s));
  CHECK(HttpClient(bad.port()).get("/readyz").body.find("password authentication failed") ==
        std::string::npos);

  // PGPASSWORD works too (libpq's own variable).
  ServiceProcess env({"--storage", pg.url()}, {{"PGPASSWORD", "second-Secret-2"}});
  REQUIRE(env.wait_listening());
  CHECK(wait_ready(env.port()));

  for (const auto* p : {&s, &bad, &env}) {
    const auto out = p->output();
    CHECK(out.find("Secret") == std::string::npos);
  }
}

TEST_CASE("a malformed PostgreSQL URL or option stops the start without echoing the password") {
  for (const std::string url :
       {"postgresql://user:sec%zzret@localhost/comments", "postgresql://user:secret@[::1/db",
        "postgresql://user:secret@localhost/comments?sslmode=nonsense",
        "postgresql://user:secret@localhost:five/comments"}) {
    CAPTURE(url);
    auto r = run_service_command({"--storage", url, "--port", "0"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output,
               Catch::StartsWith("comments-service: --storage: not a valid PostgreSQL URL"));
    CHECK(r.output.find("ecret") == std::string::npos);
    CHECK(r.output.find("zzret") == std::string::npos);
  }
  // The same through the environment, as Kubernetes passes it from a Secret.
  auto env = run_service_command({"--port", "0"},
                                 {{"STORAGE_URL", "postgresql://u:secret@db:5432/c?sslmode=on"}});
  CHECK(env.exit_code == 2);
  CHECK_THAT(env.output, Catch::Contains("sslmode must be one of"));
  CHECK(env.output.find("secret") == std::string::npos);

  TempDir dir;
  auto missing =
      run_service_command({"--storage", "postgresql://user@localhost/comments",
                           "--storage-password-file", (dir / "absent").string(), "--port", "0"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Contains("password file"));
}
