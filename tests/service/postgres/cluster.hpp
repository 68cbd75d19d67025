// PostgreSQL for the tests: a private throwaway cluster per test (scripts/postgres.sh) when the
// test stops or freezes it, or a fresh database on the CTest fixture's shared server.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace comments::testing {

// Runs a shell command; returns its exit code and what it printed (stdout and stderr).
struct ShellResult {
  int exit_code;
  std::string output;
};
ShellResult shell(const std::string& command);
std::string shell_quoted(const std::string& s);  // for a shell command line

class PostgresCluster {
 public:
  // initdb and start on a free loopback port; with a password, connections must give it.
  // Throws when the server does not start (so the test fails, never skips).
  explicit PostgresCluster(std::string password = {});
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  const std::string& url() const { return url_; }  // postgresql://postgres@127.0.0.1:PORT/comments
  void start();
  void stop(const std::string& mode = "fast");
  void freeze();  // SIGSTOP: accepts TCP connections, answers nothing
  void thaw();
  // Runs SQL on the "comments" database; returns psql's unaligned output. Throws on failure.
  std::string psql(const std::string& sql) const;

 private:
  std::string script(const std::string& args) const;
  std::filesystem::path parent_;
  std::filesystem::path dir_;
  std::string password_;
  std::string url_;
};

// A new, empty database on the server the CTest fixture started (COMMENTS_TEST_POSTGRES_URL).
// Throws when the variable is missing or the server does not answer.
std::string fresh_database();
// Runs SQL against a database URL with psql; returns its unaligned output. Throws on failure.
std::string psql(const std::string& url, const std::string& sql);
// The versions of every migration of this release ("1,2,…") and the last one, as psql prints
// them, read from the migrations' one definition (service/store/postgres/migrations.hpp).
std::string migration_versions();
std::string last_migration_version();

// The database of admin_url (a fresh_database()) as a new role, which then owns it and its
// schema, so that its sessions can be told apart and limited without touching the
// administrator's. Start the replica that migrates the tables with this URL.
std::string as_owner(const std::string& admin_url, const std::string& role);

// Ends the change-notification session of the one replica that connects as role, and keeps it
// from coming back (the role may hold only its other sessions) until allow_sessions(). Throws
// unless that replica has exactly one such session.
void cut_off_change_feed(const std::string& admin_url, const std::string& role);
void allow_sessions(const std::string& admin_url, const std::string& role);

}  // namespace comments::testing
