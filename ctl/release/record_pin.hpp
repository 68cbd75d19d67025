// Pinning an image the pipeline pushed to an environment's repository (`commentsctl pin --tag`):
// the values checked, then the pin and a "pin" history line recorded.
#pragma once

#include <filesystem>
#include <string>

#include "release/outcome.hpp"
#include "release/store.hpp"

namespace commentsctl::release {

struct PinRequest {
  std::string environment;
  std::string repository;  // empty: the environment's, the only one accepted
  std::string tag;
  std::string digest;  // empty: a pin by tag alone
  std::string revision;
  std::string from = "ci";
};

struct RecordedPin {
  Pin pin;
  std::filesystem::path pin_file;
};

Outcome<RecordedPin> record_pin(const Store& store, const spec::Spec& spec,
                                const PinRequest& request);

}  // namespace commentsctl::release
