// The rollback subcommand.
#include "commands/rollback.hpp"

#include <iostream>

#include "promote/history.hpp"
#include "registry/digest.hpp"

namespace commentsctl::commands {

int run_rollback(const GlobalOptions& global, const RollbackOptions& options, std::ostream& out,
                 std::ostream& err) {
  const std::string me = "commentsctl rollback: ";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, "rollback", err, code);
  if (!spec) {
    return code;
  }
  schema::Diagnostics diags;
  const auto& env = *spec->find(options.environment);
  auto current = load_pin(global, *spec, env, diags);
  if (!current) {
    diags.print(err);
    return exit_invalid;
  }
  const std::string current_digest = current->digest ? current->digest->value : "";
  std::vector<std::string> problems;
  const auto history = promote::history_path(global.releases(), options.environment);
  const auto entries = promote::read_history(history, problems);
  for (const auto& p : problems) {
    err << p << '\n';
  }
  const promote::HistoryEntry* target = nullptr;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->action == "verify" || it->digest.empty() ||
        it->repository != current->repository.value) {
      continue;
    }
    if (options.to.empty() ? it->digest != current_digest : it->digest == options.to) {
      target = &*it;
      break;
    }
  }
  if (target == nullptr) {
    err << me
        << (options.to.empty() ? "no earlier release of " + options.environment + " than " +
                                     (current_digest.empty() ? current->image() : current_digest)
                               : options.to + " is not in the history of " + options.environment)
        << " (" << history.string() << ")\n";
    return exit_invalid;
  }
  if (target->digest == current_digest) {
    out << options.environment << " already runs " << current_digest << "; nothing to do\n";
    return exit_ok;
  }
  Clients clients(options.registry, err);
  std::string error;
  auto ref = registry::parse_reference(target->repository + "@" + target->digest, error);
  try {
    if (!ref) {
      throw std::runtime_error(error);
    }
    if (!clients.get(ref->registry).head_manifest(ref->repository, ref->digest)) {
      err << me << ref->str() << " is no longer in the registry; cannot roll back to it\n";
      return exit_invalid;
    }
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return exit_invalid;
  }
  release::Pin pin;
  pin.environment.value = options.environment;
  pin.repository.value = target->repository;
  pin.tag.value = target->tag;
  pin.digest = release::Located<std::string>{target->digest, {}};
  if (!target->from.empty()) {
    pin.source_from = release::Located<std::string>{target->from, {}};
  }
  if (!target->revision.empty()) {
    pin.source_revision = release::Located<std::string>{target->revision, {}};
  }
  pin.pinned_at = release::Located<std::string>{promote::now_utc(), {}};
  const auto pin_file = release::pin_path(global.releases(), options.environment);
  try {
    release::write_pin(pin_file, pin);
    promote::append_history(
        history, {pin.pinned_at->value, options.environment, "rollback", pin.repository.value,
                  pin.tag.value, target->digest, target->from, target->revision, current_digest});
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return exit_invalid;
  }
  out << "rolled " << options.environment << " back from "
      << (current_digest.empty() ? current->image() : registry::short_digest(current_digest))
      << " to " << pin.tag.value << " " << target->digest << " (" << pin_file.string() << ")\n";
  if (options.apply &&
      !promote::roll_out(*spec, env, pin_file, pin, *current, history, options.rollout, out, err)) {
    return exit_invalid;
  }
  return exit_ok;
}

void add_rollback(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<RollbackOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rollback", "Pin the release ENV ran before (or --to DIGEST from its history) again");
  cmd->add_option("environment", options->environment, "Environment, such as prod")
      ->required()
      ->option_text("ENV");
  cmd->add_option("--to", options->to, "A digest from `commentsctl history ENV`")
      ->option_text("DIGEST")
      ->check([](const std::string& d) {
        return registry::is_sha256_digest(d) ? std::string()
                                             : "must be sha256: and 64 lower-case hex digits";
      });
  cmd->add_flag("--apply", options->apply,
                "Then render ENV, kubectl apply it and wait for the rollout");
  add_registry_options(*cmd, options->registry);
  add_rollout_options(*cmd, options->rollout);
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_rollback(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
