// The pin subcommand: show a pin (or one field of it, for scripts), or write a new one.
#include "commands/pin.hpp"

#include <iostream>

#include "release/record_pin.hpp"

namespace commentsctl::commands {
namespace {

// ENV's pin, whole or one field of it.
int show_pin(const release::Store& store, const spec::Environment& env, const std::string& field,
             std::ostream& out, std::ostream& err) {
  if (field == "repository" && !store.has_pin(env.name.value)) {
    out << env.image_repository.value << '\n';  // what a first pin will use
    return exit_ok;
  }
  schema::Diagnostics diags;
  auto pin = store.read(env.name.value, diags);
  if (!pin) {
    diags.print(err);
    return exit_invalid;
  }
  auto value = [](const std::optional<release::Located<std::string>>& v) {
    return v ? v->value : std::string();
  };
  if (field.empty()) {
    out << release::format_pin(*pin);
  } else if (field == "repository") {
    out << pin->repository.value << '\n';
  } else if (field == "tag") {
    out << pin->tag.value << '\n';
  } else if (field == "digest") {
    out << value(pin->digest) << '\n';
  } else if (field == "revision") {
    out << value(pin->source_revision) << '\n';
  } else {
    out << pin->image() << '\n';
  }
  return exit_ok;
}

}  // namespace

int run_pin(const GlobalOptions& global, const PinOptions& options, std::ostream& out,
            std::ostream& err) {
  const std::string command = "pin";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, command, err, code);
  if (!spec) {
    return code;
  }
  const release::Store store = global.store();
  if (options.tag.empty()) {
    return show_pin(store, *spec->find(options.environment), options.field, out, err);
  }
  auto recorded = release::record_pin(store, *spec,
                                      {options.environment, options.repository, options.tag,
                                       options.digest, options.revision, options.from});
  if (auto* failure = std::get_if<release::Failure>(&recorded)) {
    return report(*failure, command, err);
  }
  const auto& done = std::get<release::RecordedPin>(recorded);
  out << "pinned " << options.environment << " to " << done.pin.image() << " in "
      << done.pin_file.string() << '\n';
  return exit_ok;
}

void add_pin(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<PinOptions>();
  CLI::App* cmd = app.add_subcommand(
      "pin", "Show ENV's release pin, or with --tag write it (the image the pipeline pushed)");
  cmd->add_option("environment", options->environment, "Environment, such as dev")
      ->required()
      ->option_text("ENV");
  cmd->add_option("--field", options->field, "Show one field only")
      ->check(CLI::IsMember({"repository", "tag", "digest", "revision", "image"}));
  cmd->add_option("--tag", options->tag, "Write a pin with this immutable tag");
  cmd->add_option("--digest", options->digest, "The pushed image's digest (sha256:…)");
  cmd->add_option("--repository", options->repository,
                  "The environment's repository (default: the spec's)");
  cmd->add_option("--revision", options->revision, "The git revision the image was built from");
  cmd->add_option("--from", options->from, "Where the image came from")->capture_default_str();
  cmd->callback([&global, &exit_code, options] {
    exit_code = run_pin(global, *options, std::cout, std::cerr);
  });
}

}  // namespace commentsctl::commands
