// The optional git step of a promotion: what runs in prod is exactly what is on main. Checks
// that the image's revision is dev's commit and fast-forwards main to it.
#pragma once

#include <stdexcept>
#include <string>

namespace commentsctl::promote {

class GitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GitBranches {
  std::string repository = ".";  // the work tree (git -C)
  std::string source = "dev";
  std::string target = "main";
};

// The full commit of `branches.source`, after checking that it equals `revision` (a full or
// abbreviated hash of at least 7 digits) and that `branches.target` can fast-forward to it.
std::string check_git(const GitBranches& branches, const std::string& revision);

// Moves `branches.target` to `commit` (a fast-forward only): `git merge --ff-only` when the
// target is checked out, else `git update-ref` guarded by its old value.
void fast_forward(const GitBranches& branches, const std::string& commit);

}  // namespace commentsctl::promote
