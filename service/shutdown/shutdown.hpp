// The whole shutdown story in one place: on SIGTERM/SIGINT readiness fails, serving goes on for
// the shutdown delay, then the server stops accepting, drains in-flight requests up to the drain
// timeout, storage commits what is queued, and the process exits 0. A second signal exits at once.
#pragma once

#include <chrono>

#include "service/api/types.hpp"
#include "service/http/server.hpp"
#include "service/store/storage.hpp"

namespace comments::shutdown {

struct Timing {
  std::chrono::milliseconds delay{5000};
  std::chrono::milliseconds drain{10000};
};

// Blocks until a signal has been handled; returns the process exit code. The admin listener
// (when there is one) serves probes and scrapes to the end: it stops after the public server.
int run_until_signalled(http::Server& server, http::Server* admin, store::Storage& storage,
                        api::Readiness& readiness, Timing timing);

}  // namespace comments::shutdown
