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
  // What `GET /version` must report before anything is posted (empty: not checked), so that a
  // URL answered by another deployment or another process never passes for this one.
  std::string expect_revision;
  std::string expect_digest;
  bool require_digest = false;  // false: a service that reports no digest passes on revision
};

// Runs every step against `base_url` (http:// or https://, optionally with a path prefix),
// printing "ok   ..." or "FAIL ..." per step on `out`. True when all passed. With an expected
// revision or digest, `GET /version` comes first and a mismatch stops the check there.
bool run_smoke(const std::string& base_url, const SmokeOptions& options, std::ostream& out);

}  // namespace commentsctl::smoke
