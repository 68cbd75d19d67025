// What a client of the running service sees: a content's whole list across pages, a probe's
// status, replicas started together.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/service/support/http_client.hpp"
#include "tests/service/support/service_process.hpp"

namespace comments::testing {

// Appends the comment texts of one list response (a 200) to out; throws on any other status.
void append_texts(const HttpResponse& r, std::vector<std::string>& out);

// Every comment text of a content, in list order, following Link rel="next"; empty on 404.
// Throws when a page is not a 200 (or 404).
std::vector<std::string> list_texts(std::uint16_t port, const std::string& content);

// The comment texts of GET /api/comment/list/CONTENT as the original API asks it (no limit, no
// cursor): the request the list cache answers. Empty on 404; throws on any other status.
std::vector<std::string> cached_list(std::uint16_t port, const std::string& content);

// The value of an unlabelled metric on /metrics; throws when it is missing.
double metric(std::uint16_t port, const std::string& name);

// The documented staleness bound (docs/postgres.md): a replica serves cached lists only within
// one lease (1 s) of a heartbeat that proved every earlier commit had been reported to it.
inline constexpr std::chrono::milliseconds kStalenessBound{1000};

// Whether the replica's list cache follows the other replicas' writes (list_cache_synchronized
// is 1); false when /metrics does not answer.
bool synchronized(std::uint16_t port);

// The status of GET path, 0 when the request fails (refused, timed out).
unsigned status_of(std::uint16_t port, const std::string& path);

// Starts n services on one storage URL at once, each with the extra flags; waits until each
// listens (not until ready).
std::vector<std::unique_ptr<ServiceProcess>> start_replicas(int n, const std::string& url,
                                                            std::vector<std::string> flags = {});

bool wait_ready(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace comments::testing
