// The history subcommand: a table, oldest first, the current pin marked.
#include "commands/history.hpp"

#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "registry/digest.hpp"

namespace commentsctl::commands {

int run_history(const GlobalOptions& global, const HistoryOptions& options, std::ostream& out,
                std::ostream& err) {
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, "history", err, code);
  if (!spec) {
    return code;
  }
  const release::Store store = global.store();
  schema::Diagnostics diags;
  std::vector<std::string> problems;
  const auto path = store.history_file(options.environment);
  const auto entries = store.history(options.environment, problems);
  for (const auto& p : problems) {
    err << p << '\n';
  }
  std::string current;
  if (auto pin = store.read(options.environment, diags); pin && pin->digest) {
    current = pin->digest->value;
  }
  if (options.json) {
    for (const auto& e : entries) {
      boost::json::object o{{"time", e.time},        {"environment", e.environment},
                            {"action", e.action},    {"repository", e.repository},
                            {"tag", e.tag},          {"digest", e.digest},
                            {"from", e.from},        {"revision", e.revision},
                            {"previous", e.previous}};
      out << boost::json::serialize(o) << '\n';
    }
    return problems.empty() ? exit_ok : exit_invalid;
  }
  if (entries.empty()) {
    out << "no history for " << options.environment << " (" << path.string() << ")\n";
    return problems.empty() ? exit_ok : exit_invalid;
  }
  out << std::left << std::setw(22) << "TIME" << std::setw(15) << "ACTION" << std::setw(22) << "TAG"
      << std::setw(21) << "DIGEST" << std::setw(14) << "REVISION"
      << "FROM\n";
  const std::size_t current_index = release::current_release(entries, current);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    out << std::left << std::setw(22) << e.time << std::setw(15) << e.action << std::setw(22)
        << e.tag << std::setw(21) << registry::short_digest(e.digest) << std::setw(14)
        << e.revision.substr(0, 12) << e.from << (i == current_index ? "  (current)" : "") << '\n';
  }
  return problems.empty() ? exit_ok : exit_invalid;
}

void add_history(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<HistoryOptions>();
  CLI::App* cmd = app.add_subcommand("history", "List an environment's releases, oldest first");
  cmd->add_option("environment", options->environment, "Environment, such as prod")
      ->required()
      ->option_text("ENV");
  cmd->add_flag("--json", options->json, "Print the stored JSON lines");
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_history(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
