// Running the external tools a release drives (kubectl, git): the narrow boundary that tests
// replace with stubs on PATH.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace commentsctl::promote {

struct ProcessResult {
  int exit_code = -1;  // 127 when the program could not be started
  std::string output;  // stdout, when captured
};

// Runs argv[0] from PATH with `input` on its stdin (none: /dev/null), capturing stdout when
// `capture` (else it goes to ours); stderr is always ours.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::string>& input, bool capture);

}  // namespace commentsctl::promote
