// posix_spawn with stdout and stderr appended to a log file in a temporary directory.
#include "tests/service/support/service_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace comments::testing {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The binary under test: this build's, or COMMENTS_TEST_SERVICE_BIN to show that a test fails
// against another one (an older build, say).
std::string service_binary() {
  const char* other = std::getenv("COMMENTS_TEST_SERVICE_BIN");
  return other != nullptr && *other != '\0' ? other : COMMENTS_SERVICE_BIN;
}

// prefix: a command that runs the binary (setpriv …), or nothing.
pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::filesystem::path& log, const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv_s = prefix;
  argv_s.push_back(service_binary());
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  // The child's environment: ours without the service's variables, plus the test's.
  std::vector<std::string> env_s;
  static const char* kServiceVars[] = {"PORT",       "LISTEN_ADDRESS", "STORAGE_URL",  "LOG_LEVEL",
                                       "LOG_FORMAT", "SHUTDOWN_DELAY", "DRAIN_TIMEOUT"};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    bool drop = env.contains(key);
    for (const char* v : kServiceVars) {
      drop = drop || key == v;
    }
    if (!drop) {
      env_s.push_back(kv);
    }
  }
  for (const auto& [k, v] : env) {
    env_s.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& e : env_s) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(std::string("posix_spawn failed: ") + std::strerror(rc));
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

std::filesystem::path unique_log() {
  static int counter = 0;
  const char* base = std::getenv("TMPDIR");
  return std::filesystem::path(base != nullptr ? base : "/tmp") /
         ("comments-service-" + std::to_string(getpid()) + "-" + std::to_string(++counter) +
          ".log");
}

}  // namespace

ServiceProcess::ServiceProcess(std::vector<std::string> args,
                               std::map<std::string, std::string> env)
    : log_path_(unique_log()) {
  auto has = [&](const std::string& flag) {
    for (const auto& a : args) {
      if (a == flag || a.starts_with(flag + "=")) {
        return true;
      }
    }
    return false;
  };
  if (!has("--port")) {
    args.insert(args.end(), {"--port", "0"});
  }
  if (!has("--listen")) {
    args.insert(args.end(), {"--listen", "127.0.0.1"});
  }
  if (!has("--shutdown-delay")) {
    args.insert(args.end(), {"--shutdown-delay", "0s"});
  }
  std::filesystem::remove(log_path_);
  pid_ = spawn(args, env, log_path_);
}

ServiceProcess::~ServiceProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

bool ServiceProcess::wait_listening(std::chrono::milliseconds timeout) {
  static const std::regex kListening(R"("msg":"listening".*"port":(\d+))");
  static const std::regex kAdmin(R"("msg":"admin listening".*"admin_port":(\d+))");
  return eventually(
             [&] {
               std::smatch m;
               const std::string out = output();
               if (std::regex_search(out, m, kListening)) {
                 port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
                 if (std::regex_search(out, m, kAdmin)) {
                   admin_port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
                 }
                 return true;
               }
               return false;
             },
             timeout) &&
         running();
}

std::string ServiceProcess::output() const { return read_file(log_path_); }

void ServiceProcess::signal(int sig) { ::kill(pid_, sig); }

bool ServiceProcess::running() {
  if (exit_code_) {
    return false;
  }
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return r == 0;
}

std::optional<int> ServiceProcess::wait_exit(std::chrono::milliseconds timeout) {
  eventually([&] { return !running(); }, timeout);
  return exit_code_;
}

namespace {

RunResult run_to_completion(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env,
                            const std::vector<std::string>& prefix) {
  const auto log = unique_log();
  std::filesystem::remove(log);
  pid_t pid = spawn(args, env, log, prefix);
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r{decode_status(status), read_file(log)};
  std::filesystem::remove(log);
  return r;
}

}  // namespace

RunResult run_service_command(const std::vector<std::string>& args,
                              std::map<std::string, std::string> env) {
  return run_to_completion(args, env, {});
}

RunResult run_service_command_unprivileged(const std::vector<std::string>& args) {
  if (geteuid() != 0) {
    return run_to_completion(args, {}, {});
  }
  return run_to_completion(
      args, {}, {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
}

ServiceProcess memory_service(std::vector<std::string> extra) {
  extra.insert(extra.end(), {"--storage", "memory:", "--log-level", "warn"});
  return ServiceProcess(extra);
}

}  // namespace comments::testing
