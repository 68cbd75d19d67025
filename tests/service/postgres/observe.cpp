// Client-side views of the service for the PostgreSQL tests.
#include "tests/service/postgres/observe.hpp"

#include <sstream>
#include <stdexcept>

#include "tests/service/support/http_client.hpp"

namespace comments::testing {

void append_texts(const HttpResponse& r, std::vector<std::string>& out) {
  if (r.status != 200) {
    throw std::runtime_error("list answered " + std::to_string(r.status) + ": " + r.body);
  }
  const auto page = r.json();  // kept: the loop below reads into it
  for (const auto& v : page.as_array()) {
    out.push_back(text(v.at("comment")));
  }
}

std::vector<std::string> list_texts(std::uint16_t port, const std::string& content) {
  HttpClient c(port);
  std::vector<std::string> out;
  walk_pages(c, "/api/comment/list/" + content + "?limit=500", [&](const HttpResponse& r) {
    if (r.status == 404) {
      return false;
    }
    append_texts(r, out);
    return true;
  });
  return out;
}

std::vector<std::string> cached_list(std::uint16_t port, const std::string& content) {
  auto r = HttpClient(port).get("/api/comment/list/" + content);
  if (r.status == 404) {
    return {};
  }
  std::vector<std::string> out;
  append_texts(r, out);
  return out;
}

double metric(std::uint16_t port, const std::string& name) {
  const auto body = HttpClient(port).get("/metrics").body;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  throw std::runtime_error("no metric " + name + " on /metrics");
}

bool synchronized(std::uint16_t port) {
  try {
    return metric(port, "list_cache_synchronized") == 1;
  } catch (const std::exception&) {
    return false;
  }
}

unsigned status_of(std::uint16_t port, const std::string& path) {
  try {
    return HttpClient(port).get(path).status;
  } catch (const std::exception&) {
    return 0;
  }
}

std::vector<std::unique_ptr<ServiceProcess>> start_replicas(int n, const std::string& url,
                                                            std::vector<std::string> flags) {
  std::vector<std::unique_ptr<ServiceProcess>> out;
  std::vector<std::string> args{"--storage", url, "--log-level", "warn"};
  args.insert(args.end(), flags.begin(), flags.end());
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<ServiceProcess>(args));
  }
  for (auto& s : out) {
    if (!s->wait_listening(std::chrono::seconds(20))) {
      throw std::runtime_error("a replica did not start: " + s->output());
    }
  }
  return out;
}

bool wait_ready(std::uint16_t port, std::chrono::milliseconds timeout) {
  return eventually([&] { return status_of(port, "/readyz") == 200; }, timeout);
}

}  // namespace comments::testing
