// `comments-service healthcheck [URL]`: a tiny HTTP client so container health checks need no curl.
#pragma once

#include <chrono>
#include <string>

namespace comments::healthcheck {

// Returns 0 when GET url answers 200 within the timeout, 1 otherwise (the reason on stderr).
int probe(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace comments::healthcheck
