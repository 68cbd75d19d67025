// Promotion of SRC's verified image to DST, in the steps the promote command walks through and
// prints between: prepare (the pins, the verification gate and the copy plan), admit (tags are
// never moved; with git, main can fast-forward to the image's revision), copy (by digest, then
// checked), record (DST's pin and history), fast_forward (main). Confirmation and the rollout
// are the command's to call between them.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "promote/git.hpp"
#include "promote/promotion.hpp"
#include "registry/sessions.hpp"
#include "release/outcome.hpp"
#include "release/store.hpp"

namespace commentsctl::release {

struct PromoteRequest {
  std::string source;
  std::string destination;
  bool force = false;  // accept a source digest that `verify` has not passed
  bool git = false;    // check that the image's revision is SRC's branch head
  std::string git_dir = ".";
};

struct PreparedPromotion {
  const spec::Environment* destination_env = nullptr;
  Pin source_pin;
  std::optional<Pin> previous;  // DST's pin before, when it has one
  promote::Plan plan;
  std::string warning;  // why the gate was passed with --force, else empty
  promote::GitBranches branches;
  std::string commit;       // with git: the commit main fast-forwards to (set by admit)
  bool up_to_date = false;  // nothing to copy and DST already pins the digest
};

struct CopiedPromotion {
  registry::Stats stats;  // the destination's transfer counts
};

struct RecordedPromotion {
  Pin pin;
  std::filesystem::path pin_file;
  std::filesystem::path history_file;
};

// The pins, the verification gate (a refusal, or with --force a warning on `warnings`) and the
// plan of what exists and what must move.
Outcome<PreparedPromotion> prepare_promotion(const Store& store, const spec::Spec& spec,
                                             const PromoteRequest& request,
                                             registry::Sessions& sessions, std::ostream& warnings);

// Refuses to move a tag; with git, checks the branches and sets `prepared.commit`.
std::optional<Failure> admit_promotion(const PromoteRequest& request, PreparedPromotion& prepared);

// Copies what the plan says is missing (progress on `progress`) and checks the destination.
Outcome<CopiedPromotion> copy_promotion(const PreparedPromotion& prepared,
                                        registry::Sessions& sessions, std::ostream& progress,
                                        int parallel);

// DST's new pin and its "promote" history line.
Outcome<RecordedPromotion> record_promotion(const Store& store, const PromoteRequest& request,
                                            const PreparedPromotion& prepared);

// Fast-forwards main to `prepared.commit`.
std::optional<Failure> fast_forward(const PreparedPromotion& prepared);

}  // namespace commentsctl::release
