// mkdtemp under $TMPDIR (or /tmp).
#include "tests/service/support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace comments::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/comments-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace comments::testing
