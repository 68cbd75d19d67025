// posix_spawnp with pipes; stdin is written whole before stdout is read, which is safe because
// callers that both feed and capture send a few bytes (a credential helper's server name).
#include "process/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): POSIX declares it so
extern char** environ;

namespace commentsctl::process {

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::string>& input, bool capture) {
  ProcessResult result;
  int in_pipe[2] = {-1, -1};
  int out_pipe[2] = {-1, -1};
  if ((input && pipe2(in_pipe, O_CLOEXEC) != 0) || (capture && pipe2(out_pipe, O_CLOEXEC) != 0)) {
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input) {
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (capture) {
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (input) {
    close(in_pipe[0]);
  }
  if (capture) {
    close(out_pipe[1]);
  }
  if (spawned != 0) {
    if (input) {
      close(in_pipe[1]);
    }
    if (capture) {
      close(out_pipe[0]);
    }
    result.exit_code = 127;
    return result;
  }
  if (input) {
    // A child that exits without reading must not kill us with SIGPIPE.
    struct sigaction ignore {};
    struct sigaction old {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old);
    const char* data = input->data();
    std::size_t left = input->size();
    while (left > 0) {
      const ssize_t n = write(in_pipe[1], data, left);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    close(in_pipe[1]);
    sigaction(SIGPIPE, &old, nullptr);
  }
  if (capture) {
    char buf[4096];
    while (true) {
      const ssize_t n = read(out_pipe[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      result.output.append(buf, static_cast<std::size_t>(n));
    }
    close(out_pipe[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace commentsctl::process
