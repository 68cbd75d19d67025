// Builds the CLI11 command line from the settings table; every bad value becomes a message naming
// the flag and exit 2.
#include "service/config/config.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "comments/version.hpp"

namespace comments::config {
namespace {

// A CLI11 check with the format's own words, so errors name the flag and what it takes.
CLI::Validator validator(const Format& format) {
  return {[format](std::string& value) -> std::string {
            std::string problem = format.check(value);
            if (problem.empty() || format.secret) {
              return problem;  // a storage URL is not repeated: it may hold a password
            }
            return "'" + value + "' " + problem;
          },
          ""};
}

std::string type_name(const Format& format) {
  if (!format.choices.empty()) {
    std::string out;
    for (const auto& c : format.choices) {
      out += (out.empty() ? "{" : ",") + c;
    }
    return out + "}";
  }
  std::string word = format.name.substr(format.name.rfind(' ') + 1);
  if (word == "text") {
    word = "path";
  }
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return word;
}

// A variable set to "" would be ignored by CLI11 and silently leave the default in place.
bool refuse_empty_variables() {
  bool ok = true;
  for (const auto& s : settings()) {
    const char* value = std::getenv(s.env.c_str());
    if (value != nullptr && *value == '\0' && !s.format.matches("")) {
      std::cerr << s.env << " is set but empty: give it a value or unset it (" << s.flag()
                << " takes " << s.format.expected << ")\n";
      ok = false;
    }
  }
  return ok;
}

boost::json::object format_json(const Format& f) {
  boost::json::object o{{"format", f.name}, {"pattern", f.pattern}, {"expected", f.expected}};
  if (f.integers) {
    o["integers"] = {{"minimum", f.integers->first}, {"maximum", f.integers->second}};
  }
  if (f.decimals > 0) {
    o["decimals"] = f.decimals;
  }
  if (f.booleans) {
    o["booleans"] = true;
  }
  if (!f.choices.empty()) {
    o["choices"] = boost::json::value_from(f.choices);
  }
  return o;
}

boost::json::value source_json(const Source& s) {
  if (s.key.empty()) {
    return nullptr;
  }
  boost::json::object o{{"key", s.key}, {"verbatim", s.verbatim}};
  if (s.pin) {
    o["pin"] = true;
  }
  return o;
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

void print_settings(std::ostream& out) {
  boost::json::array rows;
  for (const auto& s : settings()) {
    boost::json::object o{{"name", s.name},
                          {"flag", s.flag()},
                          {"env", s.env},
                          {"default", s.default_value},
                          {"help", s.help}};
    for (auto& [key, value] : format_json(s.format)) {
      o[key] = value;
    }
    o["spec"] = source_json(s.spec);
    o["chart"] = source_json(s.chart);
    rows.push_back(std::move(o));
  }
  boost::json::object formats;
  for (const auto& [name, format] : shared_formats()) {
    formats[name] = format_json(*format);
  }
  out << boost::json::serialize(
             boost::json::object{{"settings", std::move(rows)}, {"formats", std::move(formats)}})
      << '\n';
}

ParseOutcome parse(int argc, const char* const* argv) {
  Command cmd;
  CLI::App app{"comments-service: the comments HTTP API with durable storage"};
  app.set_version_flag("--version", std::string("comments-service ") + build::version + " (" +
                                        build::revision + ")");
  app.get_formatter()->column_width(36);

  const auto& table = settings();
  std::vector<std::string> texts;
  texts.reserve(table.size());
  for (const auto& s : table) {
    texts.push_back(s.default_value);
    app.add_option(s.flag(), texts.back(), s.help)
        ->envname(s.env)
        ->type_name(type_name(s.format))
        ->check(validator(s.format))
        ->capture_default_str();
  }
  bool check_only = false;
  app.add_flag("--check-config", check_only,
               "Check the flags and environment, print what is wrong, and exit (0: valid)");

  auto* hc = app.add_subcommand("healthcheck", "Probe a running service; exit 0 when healthy");
  hc->add_option("url", cmd.healthcheck.url,
                 "URL to probe (default http://127.0.0.1:$ADMIN_PORT/healthz, else $PORT)");
  const auto timeout = duration(true);
  std::string hc_timeout = "2s";
  hc->add_option("--timeout", hc_timeout, "Probe timeout")
      ->type_name("DURATION")
      ->check(validator(timeout.format))
      ->capture_default_str();
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the SQLite database of --storage to a file, consistently, while the service "
      "runs (PostgreSQL: pg_dump, see docs/operations.md)");
  auto* backup_to =
      backup->add_option("--to", cmd.backup.to, "The copy's path (replaced atomically)");
  auto* backup_dir = backup->add_option(
      "--to-dir", cmd.backup.to_dir,
      "A folder receiving a dated copy, comments-<UTC time>.db, on each run (older ones beyond "
      "--keep removed)");
  backup_to->excludes(backup_dir);
  const auto keep = integer<unsigned>(1, 10000);
  std::string backup_keep = std::to_string(cmd.backup.keep);
  backup
      ->add_option("--keep", backup_keep,
                   "With --to-dir: how many dated copies to keep (the oldest go first)")
      ->type_name("INTEGER")
      ->check(validator(keep.format))
      ->needs(backup_dir)
      ->capture_default_str();
  backup->fallthrough();  // --storage may follow the subcommand's name
  auto* exporter = app.add_subcommand(
      "export",
      "Write everything --storage holds (comments in every state, blocks, the audit log) "
      "as NDJSON, to move it to another storage (docs/operations.md)");
  exporter
      ->add_option("--to", cmd.transfer.to, "The file to write (replaced atomically); - is stdout")
      ->capture_default_str();
  exporter->fallthrough();
  auto* importer = app.add_subcommand(
      "import",
      "Read an export into --storage in one transaction, keeping ids and timestamps; "
      "what is there already is left as it is");
  importer->add_option("--from", cmd.transfer.from, "The file to read; - is stdin")
      ->capture_default_str();
  importer->fallthrough();
  auto* list = app.add_subcommand(
      "settings", "Print every setting (flag, variable, default, format, help) as JSON");

  if (!refuse_empty_variables()) {
    return {std::nullopt, 2};
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return {std::nullopt, code == 0 ? 0 : 2};
  }

  Config& c = cmd.config;
  for (std::size_t i = 0; i < table.size(); ++i) {
    table[i].apply(c, texts[i]);
  }
  if (c.body_memory_budget < c.max_body_bytes) {
    std::cerr << "--body-memory-budget: must be at least --max-body-bytes (" << c.max_body_bytes
              << " bytes)\n";
    return {std::nullopt, 2};
  }
  if (!c.ops_on_public_port && !c.admin_port) {
    std::cerr << "--ops-on-public-port false needs --admin-port: probes and scrapes would have "
                 "nowhere to go\n";
    return {std::nullopt, 2};
  }
  if (c.admin_port && *c.admin_port != 0 && *c.admin_port == c.port) {
    std::cerr << "--admin-port: must differ from --port (" << c.port << ")\n";
    return {std::nullopt, 2};
  }
  if (c.rate_burst <= 0) {
    c.rate_burst = std::max(1.0, 2 * c.rate_limit);
  }
  if (c.threads == 0) {
    c.threads = std::max(1U, std::thread::hardware_concurrency());
  }

  if (list->parsed()) {
    cmd.kind = Command::Kind::settings;
  } else if (backup->parsed()) {
    cmd.kind = Command::Kind::backup;
    if (cmd.backup.to.empty() && cmd.backup.to_dir.empty()) {
      std::cerr << "backup: give --to FILE (one copy, replaced) or --to-dir DIR (dated copies)\n";
      return {std::nullopt, 2};
    }
    cmd.backup.keep = *keep.parse(backup_keep);
  } else if (exporter->parsed()) {
    cmd.kind = Command::Kind::export_data;
  } else if (importer->parsed()) {
    cmd.kind = Command::Kind::import_data;
  } else if (hc->parsed()) {
    cmd.kind = Command::Kind::healthcheck;
    cmd.healthcheck.timeout = *timeout.parse(hc_timeout);
    if (cmd.healthcheck.url.empty()) {
      const auto probe_port = c.admin_port && *c.admin_port != 0 ? *c.admin_port : c.port;
      cmd.healthcheck.url = "http://127.0.0.1:" + std::to_string(probe_port) + "/healthz";
    }
  } else if (check_only) {
    cmd.kind = Command::Kind::check;
  }
  return {std::move(cmd), 0};
}

}  // namespace comments::config
