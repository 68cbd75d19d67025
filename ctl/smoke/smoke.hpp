// The smoke check of a running comments service: liveness, readiness, and one comment written
// and read back. `commentsctl smoke`, `verify`, `helm test` and the pipeline all run this, so it
// needs nothing but the binary: its own HTTP client with timeouts.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "http/connection.hpp"

namespace commentsctl::smoke {

struct SmokeOptions {
  std::chrono::milliseconds timeout{5000};  // per request
  http::TlsOptions tls;
};

// Runs every step against `base_url` (http:// or https://, optionally with a path prefix),
// printing "ok   ..." or "FAIL ..." per step on `out`. True when all passed.
bool run_smoke(const std::string& base_url, const SmokeOptions& options, std::ostream& out);

}  // namespace commentsctl::smoke
