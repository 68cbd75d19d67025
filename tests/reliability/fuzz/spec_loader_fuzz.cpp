// libFuzzer target for commentsctl's spec loader: bytes → YAML → typed spec with validation, and
// a valid spec on through render. Traps when an exception escapes the API, when a failure comes
// without a diagnostic, or when a diagnostic lacks the file:line:column a user needs to fix it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "render/render.hpp"
#include "schema/document.hpp"
#include "spec/spec.hpp"

namespace {

using namespace commentsctl;

constexpr const char* kFile = "fuzz/comments.yaml";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

void check_diagnostics(const schema::Diagnostics& diags) {
  for (const auto& d : diags.sorted()) {
    if (d.file != kFile || d.line < 1 || d.column < 1 || d.message.empty()) {
      fail("diagnostic without file:line:column and message: " + d.str());
    }
    const std::string prefix =
        std::string(kFile) + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": ";
    if (d.str().rfind(prefix, 0) != 0) {
      fail("diagnostic not printed as file:line:column: message: " + d.str());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > schema::max_document_bytes) {
    return 0;  // load_spec refuses these before parsing
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  schema::Diagnostics diags;
  std::optional<spec::Spec> spec;
  try {
    spec = spec::parse_spec(text, kFile, diags);
  } catch (const std::exception& e) {
    fail(std::string("parse_spec threw: ") + e.what());
  } catch (...) {
    fail("parse_spec threw a non-std exception");
  }
  check_diagnostics(diags);
  if (!spec) {
    if (diags.empty()) {
      fail("spec refused without a diagnostic");
    }
    return 0;
  }
  if (!diags.empty()) {
    fail("spec accepted with diagnostics");
  }
  // A spec that validates must render, for a pin that fits it.
  for (const auto& env : spec->environments) {
    release::Pin pin;
    pin.file = "fuzz/releases/" + env.name.value + ".yaml";
    pin.environment.value = env.name.value;
    pin.repository.value = env.image_repository.value;
    pin.tag.value = "v1";
    pin.digest = schema::Located<std::string>{"sha256:" + std::string(64, 'a'), {}};
    schema::Diagnostics pin_diags;
    release::check_pin(*spec, env, pin, pin_diags);
    if (!pin_diags.empty()) {
      continue;
    }
    try {
      const auto objects = render::render(*spec, env, pin);
      if (render::to_documents(env.name.value, objects).empty()) {
        fail("render produced nothing");
      }
    } catch (const std::exception& e) {
      fail(std::string("render threw for a valid spec: ") + e.what());
    }
  }
  return 0;
}
