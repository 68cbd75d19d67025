// The promote subcommand: the steps of release/promote.hpp, each outcome printed, with the
// question asked between the plan and the copy.
#include "commands/promote.hpp"

#include <unistd.h>

#include <iostream>

#include "registry/digest.hpp"
#include "release/promote.hpp"

namespace commentsctl::commands {
namespace {

// Asks on a terminal; without one, --yes is required.
std::optional<int> confirm(const PromoteOptions& options, const release::PreparedPromotion& p,
                           bool interactive, std::istream& in, std::ostream& out,
                           std::ostream& err) {
  if (options.yes) {
    return std::nullopt;
  }
  if (!interactive) {
    err << "commentsctl promote: not a terminal: pass --yes to promote without a question\n";
    return exit_usage;
  }
  out << "Promote " << p.plan.source.name() << "@" << registry::short_digest(p.plan.digest)
      << " to " << p.plan.destination.str() << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(in, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") {
    out << "not promoted\n";
    return exit_invalid;
  }
  return std::nullopt;
}

void print_copied(const release::PreparedPromotion& p, const registry::Stats& stats,
                  std::ostream& out) {
  out << "verified:    " << p.plan.destination.str() << " = " << p.plan.digest << "\n";
  out << "transfer:    " << stats.blobs_uploaded << " blob(s) uploaded ("
      << promote::human_bytes(stats.uploaded_bytes) << "), " << stats.blobs_mounted << " mounted, "
      << stats.manifests_pushed << " manifest push(es), " << stats.retries << " retries\n";
}

}  // namespace

int run_promote(const GlobalOptions& global, const PromoteOptions& options, bool interactive,
                std::istream& in, std::ostream& out, std::ostream& err) {
  const std::string command = "promote";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.source, options.destination}, command, err, code);
  if (!spec) {
    return code;
  }
  const release::Store store = global.store();
  const release::PromoteRequest request{options.source, options.destination, options.force,
                                        options.git, options.git_dir};
  registry::Sessions sessions(session_options(options.registry, err));

  auto prepared_outcome = release::prepare_promotion(store, *spec, request, sessions, err);
  if (auto* failure = std::get_if<release::Failure>(&prepared_outcome)) {
    return report(*failure, command, err);
  }
  auto& prepared = std::get<release::PreparedPromotion>(prepared_outcome);
  promote::print_plan(prepared.plan, out);
  if (auto failure = release::admit_promotion(request, prepared)) {
    return report(*failure, command, err);
  }
  if (options.git) {
    out << "git:         main fast-forwards to " << prepared.commit << '\n';
  }
  if (prepared.up_to_date) {
    out << options.destination << " already runs " << prepared.plan.digest << "; nothing to do\n";
    return exit_ok;
  }
  if (options.dry_run) {
    out << "dry run: nothing copied, no pin written\n";
    return exit_ok;
  }
  if (auto refused = confirm(options, prepared, interactive, in, out, err)) {
    return *refused;
  }

  auto copied = release::copy_promotion(prepared, sessions, out, options.parallel);
  if (auto* failure = std::get_if<release::Failure>(&copied)) {
    return report(*failure, command, err);
  }
  print_copied(prepared, std::get<release::CopiedPromotion>(copied).stats, out);
  auto recorded_outcome = release::record_promotion(store, request, prepared);
  if (auto* failure = std::get_if<release::Failure>(&recorded_outcome)) {
    return report(*failure, command, err);
  }
  const auto& recorded = std::get<release::RecordedPromotion>(recorded_outcome);
  out << "pinned:      " << recorded.pin_file.string()
      << " (history: " << recorded.history_file.string() << ")\n";
  if (options.git) {
    if (auto failure = release::fast_forward(prepared)) {
      return report(*failure, command, err);
    }
    out << "git:         main is now " << prepared.commit << '\n';
  }
  if (options.apply) {
    return apply(store, *spec, *prepared.destination_env, recorded.pin, prepared.previous,
                 options.rollout, command, out, err);
  }
  return exit_ok;
}

void add_promote(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<PromoteOptions>();
  CLI::App* cmd = app.add_subcommand(
      "promote", "Copy SRC's verified image by digest to DST's repository and pin it in DST");
  cmd->add_option("source", options->source, "Environment promoted from, such as dev")
      ->required()
      ->option_text("SRC");
  cmd->add_option("destination", options->destination, "Environment promoted to, such as prod")
      ->required()
      ->option_text("DST");
  cmd->add_flag("--dry-run", options->dry_run, "Print the plan and stop");
  cmd->add_flag("-y,--yes", options->yes, "Proceed without asking (required without a terminal)");
  cmd->add_flag("--force", options->force, "Promote a digest that `verify` has not passed");
  cmd->add_flag("--apply", options->apply,
                "Then render DST, kubectl apply it and wait for the rollout; roll back on failure");
  cmd->add_flag("--git", options->git,
                "Check that the image's revision is SRC's branch head and fast-forward main to it");
  cmd->add_option("--git-dir", options->git_dir, "The git work tree for --git")
      ->capture_default_str()
      ->option_text("DIR");
  cmd->add_option("--parallel", options->parallel, "Blobs copied at once across registries")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  add_registry_options(*cmd, options->registry);
  add_rollout_options(*cmd, options->rollout);
  cmd->callback([&global, &exit_code, options] {
    exit_code =
        run_promote(global, *options, isatty(STDIN_FILENO) != 0, std::cin, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
