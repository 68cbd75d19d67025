// Drives scripts/postgres.sh and psql through the shell.
#include "tests/service/postgres/cluster.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "service/store/postgres/migrations.hpp"

namespace comments::testing {

ShellResult shell(const std::string& command) {
  const std::string full = command + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (p == nullptr) {
    throw std::runtime_error("popen failed: " + command);
  }
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

PostgresCluster::PostgresCluster(std::string password) : password_(std::move(password)) {
  // The server runs as the postgres user when we are root: its directory's parents must be
  // searchable by it, which mkdtemp's 0700 is not.
  std::string tmpl = "/tmp/comments-pg-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  parent_ = tmpl;
  ::chmod(parent_.c_str(), 0755);
  dir_ = parent_ / "cluster";
  url_ = trim(script("start " + shell_quoted(dir_.string()) + " --no-fsync" +
                     (password_.empty() ? "" : " --password " + shell_quoted(password_))));
}

PostgresCluster::~PostgresCluster() {
  shell("bash " + shell_quoted(COMMENTS_POSTGRES_SCRIPT) + " stop " + shell_quoted(dir_.string()) +
        " --mode immediate --remove");
  std::error_code ec;
  std::filesystem::remove_all(parent_, ec);
}

std::string PostgresCluster::script(const std::string& args) const {
  auto r = shell("bash " + shell_quoted(COMMENTS_POSTGRES_SCRIPT) + " " + args);
  if (r.exit_code != 0) {
    throw std::runtime_error("postgres.sh " + args + " failed: " + r.output);
  }
  return r.output;
}

void PostgresCluster::start() { script("start " + shell_quoted(dir_.string())); }
void PostgresCluster::stop(const std::string& mode) {
  script("stop " + shell_quoted(dir_.string()) + " --mode " + mode);
}
void PostgresCluster::freeze() { script("freeze " + shell_quoted(dir_.string())); }
void PostgresCluster::thaw() { script("thaw " + shell_quoted(dir_.string())); }

std::string PostgresCluster::psql(const std::string& sql) const {
  return trim(script("psql " + shell_quoted(dir_.string()) + " -tA -c " + shell_quoted(sql)));
}

std::string psql(const std::string& url, const std::string& sql) {
  auto r = shell("psql -X -q -tA -v ON_ERROR_STOP=1 -d " + shell_quoted(url) + " -c " +
                 shell_quoted(sql));
  if (r.exit_code != 0) {
    throw std::runtime_error("psql failed: " + r.output);
  }
  return trim(r.output);
}

std::string fresh_database() {
  const char* base = std::getenv("COMMENTS_TEST_POSTGRES_URL");
  if (base == nullptr || *base == '\0') {
    throw std::runtime_error(
        "COMMENTS_TEST_POSTGRES_URL is not set: run these tests through ctest, whose fixture "
        "service.postgres.server starts the server");
  }
  const std::string url = base;
  static int counter = 0;
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  psql(url, "CREATE DATABASE " + name);
  // The fixture's URL names the database "comments" right before its parameters.
  const auto at = url.find("/comments?");
  if (at == std::string::npos) {
    throw std::runtime_error("unexpected fixture URL form: " + url);
  }
  return url.substr(0, at) + "/" + name + url.substr(at + 9);
}

std::string as_owner(const std::string& admin_url, const std::string& role) {
  const auto name = admin_url.substr(admin_url.find(":///") + 4,
                                     admin_url.find('?') - admin_url.find(":///") - 4);
  psql(admin_url, "CREATE ROLE " + role + " LOGIN; ALTER DATABASE " + name + " OWNER TO " + role +
                      "; ALTER SCHEMA public OWNER TO " + role);
  const auto user = admin_url.find("user=postgres");
  if (user == std::string::npos) {
    throw std::runtime_error("unexpected fixture URL form: " + admin_url);
  }
  return admin_url.substr(0, user) + "user=" + role + admin_url.substr(user + 13);
}

void cut_off_change_feed(const std::string& admin_url, const std::string& role) {
  const auto feed = " FROM pg_stat_activity WHERE usename = '" + role +
                    "' AND application_name = 'comments-service/changes'";
  if (const auto n = psql(admin_url, "SELECT count(*)" + feed); n != "1") {
    throw std::runtime_error("expected one change feed session of " + role + ", found " + n);
  }
  psql(admin_url, "DO $$ BEGIN EXECUTE format('ALTER ROLE " + role +
                      " CONNECTION LIMIT %s', (SELECT count(*) FROM pg_stat_activity WHERE "
                      "usename = '" +
                      role + "') - 1); END $$");
  psql(admin_url, "SELECT pg_terminate_backend(pid)" + feed);
}

void allow_sessions(const std::string& admin_url, const std::string& role) {
  psql(admin_url, "ALTER ROLE " + role + " CONNECTION LIMIT -1");
}

std::string migration_versions() {
  std::string out;
  for (const auto& m : store::pg::migrations()) {
    out += (out.empty() ? "" : ",") + std::to_string(m.version);
  }
  return out;
}

std::string last_migration_version() {
  return std::to_string(store::pg::migrations().back().version);
}

}  // namespace comments::testing
