// Client-side views of the service for the PostgreSQL tests.
#include "tests/service/postgres/observe.hpp"

#include <stdexcept>

#include "tests/service/support/http_client.hpp"

namespace comments::testing {

std::vector<std::string> list_texts(std::uint16_t port, const std::string& content) {
  HttpClient c(port);
  std::vector<std::string> out;
  std::string next = "/api/comment/list/" + content + "?limit=500";
  while (!next.empty()) {
    auto r = c.get(next);
    if (r.status == 404) {
      break;
    }
    if (r.status != 200) {
      throw std::runtime_error("list answered " + std::to_string(r.status) + ": " + r.body);
    }
    const auto page = r.json();
    for (const auto& v : page.as_array()) {
      out.push_back(text(v.at("comment")));
    }
    const auto link = r.header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
  }
  return out;
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
