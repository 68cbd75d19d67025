// kubectl apply / rollout status, and the automatic rollback when a rollout fails.
#include "release/rollout.hpp"

#include "process/process.hpp"
#include "render/render.hpp"

namespace commentsctl::release {

using process::run_process;

bool apply_release(const spec::Spec& spec, const spec::Environment& env, const Pin& pin,
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

bool roll_out(const Store& store, const spec::Spec& spec, const spec::Environment& env,
              const Pin& pin, const std::optional<Pin>& previous, const RolloutOptions& options,
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
  HistoryEntry entry = history_entry(*previous, "auto-rollback", now_utc());
  entry.from.clear();
  entry.previous = pin.digest ? pin.digest->value : "";
  store.record(*previous, entry);
  if (!apply_release(spec, env, *previous, options, out, err)) {
    err << "commentsctl: the rollback of " << env.name.value
        << " did not roll out either; the cluster needs attention\n";
  }
  return false;
}

}  // namespace commentsctl::release
