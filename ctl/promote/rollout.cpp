// kubectl apply / rollout status, and the automatic rollback when a rollout fails.
#include "promote/rollout.hpp"

#include "promote/history.hpp"
#include "process/process.hpp"
#include "render/render.hpp"

namespace commentsctl::promote {

using process::run_process;

bool apply_release(const spec::Spec& spec, const spec::Environment& env, const release::Pin& pin,
                   const RolloutOptions& options, std::ostream& out, std::ostream& err) {
  const std::string manifests =
      render::to_documents(env.name.value, render::render(spec, env, pin));
  out << "applying " << env.name.value << " (" << pin.image() << ") with " << options.kubectl
      << "\n"
      << std::flush;
  auto applied = run_process({options.kubectl, "apply", "-f", "-"}, manifests, false);
  if (applied.exit_code != 0) {
    err << "commentsctl: " << options.kubectl << " apply failed (exit " << applied.exit_code
        << (applied.exit_code == 127 ? ": not found on PATH" : "") << ")\n";
    return false;
  }
  const std::string deployment = "deployment/" + spec.app.name.value;
  auto status = run_process({options.kubectl, "rollout", "status", deployment, "-n", env.ns.value,
                             "--timeout=" + options.timeout},
                            std::nullopt, false);
  if (status.exit_code != 0) {
    err << "commentsctl: " << deployment << " in namespace " << env.ns.value
        << " did not roll out within " << options.timeout << " (exit " << status.exit_code << ")\n";
    return false;
  }
  out << deployment << " rolled out in namespace " << env.ns.value << "\n";
  return true;
}

bool roll_out(const spec::Spec& spec, const spec::Environment& env,
              const std::filesystem::path& pin_file, const release::Pin& pin,
              const std::optional<release::Pin>& previous,
              const std::filesystem::path& history_file, const RolloutOptions& options,
              std::ostream& out, std::ostream& err) {
  out.flush();
  if (apply_release(spec, env, pin, options, out, err)) {
    return true;
  }
  if (!previous) {
    err << "commentsctl: no previous release of " << env.name.value << " to roll back to\n";
    return false;
  }
  err << "commentsctl: rolling " << env.name.value << " back to " << previous->image() << "\n";
  release::write_pin(pin_file, *previous);
  HistoryEntry entry;
  entry.time = now_utc();
  entry.environment = env.name.value;
  entry.action = "auto-rollback";
  entry.repository = previous->repository.value;
  entry.tag = previous->tag.value;
  entry.digest = previous->digest ? previous->digest->value : "";
  entry.revision = previous->source_revision ? previous->source_revision->value : "";
  entry.previous = pin.digest ? pin.digest->value : "";
  if (!entry.digest.empty()) {
    append_history(history_file, entry);
  }
  if (!apply_release(spec, env, *previous, options, out, err)) {
    err << "commentsctl: the rollback of " << env.name.value
        << " did not roll out either; the cluster needs attention\n";
  }
  return false;
}

}  // namespace commentsctl::promote
