// A real nginx for side-by-side tests: answers every request 200 with "METHOD PATH" and echoes
// X-Request-Id, so a test sees which requests nginx found in a stream of bytes, and how it framed
// them. It listens on a loopback socket this process binds to port 0 and hands over.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "tests/service/support/temp_dir.hpp"

namespace comments::testing {

class NginxProcess {
 public:
  // Starts nginx and waits until it answers; throws with its error log when it does not.
  NginxProcess();
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace comments::testing
