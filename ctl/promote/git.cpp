// git through its command line, one call per question.
#include "promote/git.hpp"

#include "process/process.hpp"

namespace commentsctl::promote {

using process::run_process;

namespace {

std::string git(const GitBranches& b, std::vector<std::string> args, const std::string& what) {
  args.insert(args.begin(), {"git", "-C", b.repository});
  auto result = run_process(args, std::nullopt, true);
  if (result.exit_code != 0) {
    throw GitError(what + " (git exit " + std::to_string(result.exit_code) + ")");
  }
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == ' ')) {
    result.output.pop_back();
  }
  return result.output;
}

}  // namespace

std::string check_git(const GitBranches& b, const std::string& revision) {
  std::string commit = git(b, {"rev-parse", "--verify", "--quiet", b.source + "^{commit}"},
                           "no branch " + b.source + " in the git repository " + b.repository);
  git(b, {"rev-parse", "--verify", "--quiet", b.target + "^{commit}"},
      "no branch " + b.target + " in the git repository " + b.repository);
  if (revision.size() < 7 || commit.compare(0, revision.size(), revision) != 0) {
    throw GitError("the image was built from revision \"" + revision + "\", but " + b.source +
                   " is at " + commit + "; promote the image built from " + b.source +
                   "'s head, or leave out --git");
  }
  auto ancestor =
      run_process({"git", "-C", b.repository, "merge-base", "--is-ancestor", b.target, commit},
                  std::nullopt, true);
  if (ancestor.exit_code != 0) {
    throw GitError(b.target + " cannot fast-forward to " + b.source + " (" + commit.substr(0, 12) +
                   "): " + b.target + " has commits that " + b.source + " lacks");
  }
  return commit;
}

void fast_forward(const GitBranches& b, const std::string& commit) {
  auto head =
      run_process({"git", "-C", b.repository, "symbolic-ref", "-q", "HEAD"}, std::nullopt, true);
  if (head.exit_code == 0 && head.output == "refs/heads/" + b.target + "\n") {
    git(b, {"merge", "--ff-only", "--quiet", commit},
        "git merge --ff-only " + commit + " on " + b.target + " failed");
    return;
  }
  const std::string old = git(b, {"rev-parse", "--verify", b.target}, "no branch " + b.target);
  git(b, {"update-ref", "refs/heads/" + b.target, commit, old},
      "cannot move " + b.target + " to " + commit);
}

}  // namespace commentsctl::promote
