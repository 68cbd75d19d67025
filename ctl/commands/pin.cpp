// The pin subcommand: show a pin (or one field of it, for scripts), or write a new one.
#include "commands/pin.hpp"

#include <iostream>

#include "promote/history.hpp"
#include "service/config/values.hpp"

namespace commentsctl::commands {
namespace {

bool valid_digest(const std::string& d) { return comments::config::digest().matches(d); }

bool valid_tag(const std::string& t) { return comments::config::image_tag().matches(t); }

}  // namespace

int run_pin(const GlobalOptions& global, const PinOptions& options, std::ostream& out,
            std::ostream& err) {
  const std::string me = "commentsctl pin: ";
  int code = exit_ok;
  auto spec = load_spec_for(global, {options.environment}, "pin", err, code);
  if (!spec) {
    return code;
  }
  const auto& env = *spec->find(options.environment);
  const auto path = release::pin_path(global.releases(), options.environment);

  if (options.tag.empty()) {  // show
    if (options.field == "repository" && !std::filesystem::exists(path)) {
      out << env.image_repository.value << '\n';  // what a first pin will use
      return exit_ok;
    }
    schema::Diagnostics diags;
    auto pin = release::read_pin(path.string(), diags);
    if (!pin) {
      diags.print(err);
      return exit_invalid;
    }
    if (options.field.empty()) {
      out << release::format_pin(*pin);
    } else if (options.field == "repository") {
      out << pin->repository.value << '\n';
    } else if (options.field == "tag") {
      out << pin->tag.value << '\n';
    } else if (options.field == "digest") {
      out << (pin->digest ? pin->digest->value : "") << '\n';
    } else if (options.field == "revision") {
      out << (pin->source_revision ? pin->source_revision->value : "") << '\n';
    } else {
      out << pin->image() << '\n';
    }
    return exit_ok;
  }

  const std::string repository =
      options.repository.empty() ? env.image_repository.value : options.repository;
  if (repository != env.image_repository.value) {
    err << me << "repository " << repository << " is not " << options.environment
        << "'s repository in " << global.spec_path << " (" << env.image_repository.value << ")\n";
    return exit_invalid;
  }
  if (!valid_tag(options.tag) || options.tag == "latest") {
    err << me << "tag '" << options.tag
        << "' is not an immutable image tag (letters, digits, . _ -; never latest)\n";
    return exit_invalid;
  }
  if (!options.digest.empty() && !valid_digest(options.digest)) {
    err << me << "digest '" << options.digest << "' is not sha256:<64 lowercase hex>\n";
    return exit_invalid;
  }
  release::Pin pin;
  pin.environment.value = options.environment;
  pin.repository.value = repository;
  pin.tag.value = options.tag;
  if (!options.digest.empty()) {
    pin.digest = release::Located<std::string>{options.digest, {}};
  }
  pin.source_from = release::Located<std::string>{options.from, {}};
  if (!options.revision.empty()) {
    pin.source_revision = release::Located<std::string>{options.revision, {}};
  }
  pin.pinned_at = release::Located<std::string>{promote::now_utc(), {}};
  schema::Diagnostics diags;
  release::check_pin(*spec, env, pin, diags);
  if (!diags.empty()) {
    diags.print(err);
    return exit_invalid;
  }
  try {
    std::filesystem::create_directories(path.parent_path());
    release::write_pin(path, pin);
    promote::append_history(promote::history_path(global.releases(), options.environment),
                            {pin.pinned_at->value, options.environment, "pin", repository,
                             options.tag, options.digest, options.from, options.revision, ""});
  } catch (const std::exception& e) {
    err << me << e.what() << '\n';
    return exit_invalid;
  }
  out << "pinned " << options.environment << " to " << pin.image() << " in " << path.string()
      << '\n';
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
