// The promote subcommand: plan, confirm, copy, verify, pin, record, and optionally apply and
// fast-forward git.
#include "commands/promote.hpp"

#include <unistd.h>

#include <iostream>

#include "promote/git.hpp"
#include "promote/history.hpp"
#include "promote/promotion.hpp"
#include "registry/digest.hpp"

namespace commentsctl::commands {

int run_promote(const GlobalOptions& global, const PromoteOptions& options, bool interactive,
                std::istream& in, std::ostream& out, std::ostream& err) {
  const std::string me = "commentsctl promote: ";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.source, options.destination}, "promote", err, code);
  if (!spec) {
    return code;
  }
  schema::Diagnostics diags;
  if (options.source == options.destination) {
    err << me << "source and destination are both " << options.source << '\n';
    return exit_usage;
  }
  const auto& src_env = *spec->find(options.source);
  const auto& dst_env = *spec->find(options.destination);
  auto src_pin = load_pin(global, *spec, src_env, diags);
  if (!src_pin) {
    diags.print(err);
    return exit_invalid;
  }
  const auto dst_pin_path = release::pin_path(global.releases(), options.destination);
  std::optional<release::Pin> previous;
  if (std::filesystem::exists(dst_pin_path)) {
    previous = release::read_pin(dst_pin_path.string(), diags);
    if (!previous) {
      diags.print(err);
      return exit_invalid;
    }
  }
  std::string error;
  auto destination =
      registry::parse_reference(dst_env.image_repository.value + ":" + src_pin->tag.value, error);
  if (!destination) {
    err << me << error << '\n';
    return exit_invalid;
  }

  Clients clients(options.registry, err);
  try {
    const auto source = resolve_pin(clients, *src_pin);
    const bool verified =
        src_pin->verified_digest && src_pin->verified_digest->value == source.digest;
    if (!verified) {
      const std::string why = src_pin->verified_digest
                                  ? options.source + "'s verified digest " +
                                        src_pin->verified_digest->value +
                                        " is not the pinned image " + source.digest
                                  : options.source + "'s pin records no verified digest";
      if (!options.force) {
        err << me << "refusing: " << why << "; run `commentsctl verify " << options.source
            << " --url URL` first (or pass --force)\n";
        return exit_invalid;
      }
      err << me << "warning: " << why << "; promoting anyway (--force)\n";
    }
    auto& src_client = clients.get(source.registry);
    auto& dst_client = clients.get(destination->registry);
    const auto plan = promote::make_plan(src_client, source, dst_client, *destination);
    promote::print_plan(plan, out);
    if (plan.tag == promote::TagState::Other) {
      err << me << "refusing to move tag " << destination->tag << " of " << destination->name()
          << " from " << plan.tag_digest << " to " << plan.digest
          << ": tags are never moved; build and pin a new tag in " << options.source << '\n';
      return exit_invalid;
    }
    const promote::GitBranches branches{options.git_dir, options.source, "main"};
    std::string commit;
    if (options.git) {
      commit = promote::check_git(branches, plan.revision);
      out << "git:         main fast-forwards to " << commit << '\n';
    }
    const bool pinned = previous && previous->digest && previous->digest->value == plan.digest &&
                        previous->tag.value == destination->tag;
    if (plan.complete() && pinned) {
      out << options.destination << " already runs " << plan.digest << "; nothing to do\n";
      return exit_ok;
    }
    if (options.dry_run) {
      out << "dry run: nothing copied, no pin written\n";
      return exit_ok;
    }
    if (!options.yes) {
      if (!interactive) {
        err << me << "not a terminal: pass --yes to promote without a question\n";
        return exit_usage;
      }
      out << "Promote " << source.name() << "@" << registry::short_digest(plan.digest) << " to "
          << destination->str() << "? [y/N] " << std::flush;
      std::string answer;
      std::getline(in, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") {
        out << "not promoted\n";
        return exit_invalid;
      }
    }

    promote::execute(plan, src_client, dst_client, out, options.parallel);
    promote::verify(plan, dst_client);
    const auto& stats = dst_client.stats();
    out << "verified:    " << destination->str() << " = " << plan.digest << "\n";
    out << "transfer:    " << stats.blobs_uploaded << " blob(s) uploaded ("
        << promote::human_bytes(stats.uploaded_bytes) << "), " << stats.blobs_mounted
        << " mounted, " << stats.manifests_pushed << " manifest push(es), " << stats.retries
        << " retries\n";

    release::Pin pin;
    pin.environment.value = options.destination;
    pin.repository.value = dst_env.image_repository.value;
    pin.tag.value = destination->tag;
    pin.digest = release::Located<std::string>{plan.digest, {}};
    pin.source_from = release::Located<std::string>{options.source, {}};
    const std::string revision = !plan.revision.empty()     ? plan.revision
                                 : src_pin->source_revision ? src_pin->source_revision->value
                                                            : "";
    if (!revision.empty()) {
      pin.source_revision = release::Located<std::string>{revision, {}};
    }
    pin.pinned_at = release::Located<std::string>{promote::now_utc(), {}};
    release::write_pin(dst_pin_path, pin);
    promote::HistoryEntry entry{pin.pinned_at->value,
                                options.destination,
                                "promote",
                                pin.repository.value,
                                pin.tag.value,
                                plan.digest,
                                options.source,
                                revision,
                                previous && previous->digest ? previous->digest->value : ""};
    const auto history = promote::history_path(global.releases(), options.destination);
    promote::append_history(history, entry);
    out << "pinned:      " << dst_pin_path.string() << " (history: " << history.string() << ")\n";

    if (options.git) {
      promote::fast_forward(branches, commit);
      out << "git:         main is now " << commit << '\n';
    }
    if (options.apply && !promote::roll_out(*spec, dst_env, dst_pin_path, pin, previous, history,
                                            options.rollout, out, err)) {
      return exit_invalid;
    }
    return exit_ok;
  } catch (const registry::RegistryError& e) {
    err << me << e.what() << '\n';
  } catch (const promote::PromotionError& e) {
    err << me << e.what() << '\n';
  } catch (const promote::GitError& e) {
    err << me << "git: " << e.what() << '\n';
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
  }
  return exit_invalid;
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
