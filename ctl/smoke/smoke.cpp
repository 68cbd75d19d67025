// The smoke steps, each one request with a deadline and a precise line saying what was seen.
#include "smoke/smoke.hpp"

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <chrono>
#include <optional>
#include <random>

namespace commentsctl::smoke {

namespace bhttp = http::bhttp;
namespace json = boost::json;

namespace {

struct Step {
  std::ostream& out;
  bool ok = true;

  void pass(const std::string& line) { out << "ok   " << line << "\n" << std::flush; }
  void fail(const std::string& line) {
    out << "FAIL " << line << "\n" << std::flush;
    ok = false;
  }
};

std::string marker() {
  std::random_device device;
  std::mt19937_64 gen(device() ^ static_cast<std::uint64_t>(
                                     std::chrono::system_clock::now().time_since_epoch().count()));
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    s += alphabet[gen() % 36];
  }
  return s;
}

std::string brief(const std::string& body) {
  std::string b = body.substr(0, 200);
  for (auto& c : b) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return b;
}

}  // namespace

bool run_smoke(const std::string& base_url, const SmokeOptions& options, std::ostream& out) {
  Step step{out};
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    step.fail("\"" + base_url + "\" is not an http:// or https:// URL");
    return false;
  }
  const bool tls = parsed->scheme() == "https";
  http::Endpoint endpoint{
      parsed->host(), parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80"), tls};
  std::string prefix(parsed->encoded_path());
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.pop_back();
  }
  const std::string host_header(parsed->encoded_host_and_port());
  http::Timeouts timeouts{options.timeout, options.timeout};
  const auto tls_context = std::make_shared<http::TlsContext>(options.tls);

  // One fresh connection per step: a step's failure never poisons the next.
  auto call = [&](bhttp::verb method, const std::string& path, const std::string& body,
                  http::StringResponse& response, std::string& error,
                  std::chrono::milliseconds& took) {
    const auto start = std::chrono::steady_clock::now();
    try {
      http::Connection connection(endpoint, tls_context, timeouts);
      http::StringRequest request{method, prefix + path, 11};
      request.set(bhttp::field::host, host_header);
      request.set(bhttp::field::user_agent, "commentsctl-smoke");
      request.set(bhttp::field::connection, "close");
      if (!body.empty()) {
        request.set(bhttp::field::content_type, "application/json");
        request.body() = body;
      }
      response = connection.exchange(request, 1024 * 1024);
    } catch (const std::exception& e) {
      error = e.what();
    }
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
    return error.empty();
  };

  // One request that must answer 200; on anything else prints why and returns nullopt.
  auto expect_200 = [&](bhttp::verb method, const std::string& path, const std::string& body,
                        const std::string& what) -> std::optional<http::StringResponse> {
    http::StringResponse response;
    std::string error;
    std::chrono::milliseconds took{};
    if (!call(method, path, body, response, error, took)) {
      step.fail(what + ": " + error);
      return std::nullopt;
    }
    if (response.result_int() != 200) {
      step.fail(what + ": HTTP " + std::to_string(response.result_int()) +
                ", want 200: " + brief(response.body()));
      return std::nullopt;
    }
    step.pass(what + ": 200 (" + std::to_string(took.count()) + " ms)");
    return response;
  };

  if (!options.expect_revision.empty() || !options.expect_digest.empty()) {
    auto version = expect_200(bhttp::verb::get, "/version", "", "GET /version");
    if (!version) {
      return false;
    }
    boost::system::error_code ec;
    const auto doc = json::parse(version->body(), ec);
    const auto* obj = ec ? nullptr : doc.if_object();
    auto field = [&](const char* key) -> std::string {
      const auto* v = obj != nullptr ? obj->if_contains(key) : nullptr;
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
    };
    const std::string revision = field("revision");
    const std::string digest = field("digest");
    if (!options.expect_revision.empty() && revision != options.expect_revision) {
      step.fail("GET /version: revision \"" + revision + "\", want \"" + options.expect_revision +
                "\": " + base_url + " does not run that build");
      return false;
    }
    if (!options.expect_digest.empty() && (!digest.empty() || options.require_digest) &&
        digest != options.expect_digest) {
      step.fail("GET /version: digest " + (digest.empty() ? "not reported" : digest) + ", want " +
                options.expect_digest + ": " + base_url + " does not run that image");
      return false;
    }
    step.pass("GET /version: revision " + revision + (digest.empty() ? "" : ", digest " + digest));
  }
  for (const char* probe : {"/healthz", "/readyz"}) {
    expect_200(bhttp::verb::get, probe, "", std::string("GET ") + probe);
  }
  const std::string mark = marker();
  const std::string content_id = "smoke-" + mark;
  const std::string comment = "commentsctl smoke check " + mark;
  json::object payload{
      {"email", "smoke@commentsctl.example"}, {"comment", comment}, {"content_id", content_id}};
  if (!expect_200(bhttp::verb::post, "/api/comment/new", json::serialize(payload),
                  "POST /api/comment/new (content_id " + content_id + ")")) {
    return false;
  }
  const std::string path = "/api/comment/list/" + content_id;
  auto listed = expect_200(bhttp::verb::get, path, "", "GET " + path);
  if (!listed) {
    return false;
  }
  boost::system::error_code ec;
  const auto doc = json::parse(listed->body(), ec);
  bool found = false;
  if (!ec && doc.is_array()) {
    for (const auto& item : doc.as_array()) {
      const auto* obj = item.if_object();
      const auto* c = obj ? obj->if_contains("comment") : nullptr;
      found = found || (c != nullptr && c->is_string() && c->as_string() == comment);
    }
  }
  if (!found) {
    step.fail("GET " + path +
              ": the comment just posted is not in the list: " + brief(listed->body()));
    return false;
  }
  step.pass("GET " + path + ": the comment just posted is there");
  return step.ok;
}

}  // namespace commentsctl::smoke
