// Running external programs (kubectl, git, docker-credential-* helpers): the narrow boundary that
// tests replace with stubs on PATH.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace commentsctl::process {

struct ProcessResult {
  int exit_code = -1;  // 127 when the program could not be started
  std::string output;  // stdout, when captured
};

// Runs argv[0] from PATH with `input` on its stdin (none: /dev/null), capturing stdout when
// `capture` (else it goes to ours); stderr is always ours. `input` is written whole before stdout
// is read: when capturing, keep it under a pipe's capacity (64 KiB).
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::string>& input, bool capture);

}  // namespace commentsctl::process
