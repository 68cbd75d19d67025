// nginx takes over a listening socket through its NGINX environment variable ("fd;"), the
// mechanism of its binary upgrade: the socket is bound here to port 0, so no port is guessed.
#include "tests/service/support/nginx_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"

extern char** environ;

namespace comments::testing {
namespace {

int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // inherited by nginx: no CLOEXEC
  if (fd < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 128) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("bind/listen: ") + std::strerror(errno));
  }
  port = ntohs(addr.sin_port);
  return fd;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

NginxProcess::NginxProcess() {
  const int fd = listen_on_loopback(port_);
  const auto d = dir_.path().string();
  // A master and one worker, as nginx runs in front of a service (with master_process off nginx
  // does not serve an inherited socket).
  std::ofstream(dir_ / "nginx.conf")
      << "daemon off;\nworker_processes 1;\n"
      << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log info;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
      << "    location / {\n      add_header X-Request-Id $http_x_request_id always;\n"
      << "      return 200 \"$request_method $uri\\n\";\n    }\n  }\n}\n";

  std::vector<std::string> args{"nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_s{"NGINX=" + std::to_string(fd) + ";"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NGINX=", 6) != 0) {
      env_s.emplace_back(*e);
    }
  }
  std::vector<char*> envp;
  for (auto& e : env_s) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  // Debian installs nginx in /usr/sbin, which is not on every PATH.
  const char* bin = access("/usr/sbin/nginx", X_OK) == 0 ? "/usr/sbin/nginx" : "nginx";
  const int rc = posix_spawnp(&pid_, bin, nullptr, nullptr, argv.data(), envp.data());
  ::close(fd);
  if (rc != 0) {
    throw std::runtime_error(std::string("cannot start nginx (apt-get install nginx-light): ") +
                             std::strerror(rc));
  }
  const bool up = eventually([&] {
    try {
      return HttpClient(port_).get("/").status == 200;
    } catch (...) {
      return false;
    }
  });
  if (!up) {
    throw std::runtime_error("nginx did not answer: " + read_all(dir_ / "error.log"));
  }
}

NginxProcess::~NginxProcess() {
  if (pid_ <= 0) {
    return;
  }
  // TERM: the master stops its worker first (a KILLed master would leave the worker behind).
  ::kill(pid_, SIGTERM);
  int status = 0;
  const bool exited = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                                 std::chrono::seconds(5));
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
}

}  // namespace comments::testing
