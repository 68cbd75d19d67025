// What a client of the running service sees: a content's whole list across pages, a probe's
// status, replicas started together.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/service/support/service_process.hpp"

namespace comments::testing {

// Every comment text of a content, in list order, following Link rel="next"; empty on 404.
// Throws when a page is not a 200 (or 404).
std::vector<std::string> list_texts(std::uint16_t port, const std::string& content);

// The status of GET path, 0 when the request fails (refused, timed out).
unsigned status_of(std::uint16_t port, const std::string& path);

// Starts n services on one storage URL at once, each with the extra flags; waits until each
// listens (not until ready).
std::vector<std::unique_ptr<ServiceProcess>> start_replicas(int n, const std::string& url,
                                                            std::vector<std::string> flags = {});

bool wait_ready(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace comments::testing
