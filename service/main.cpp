// comments-service: parses configuration and wires the capabilities together; nothing else.
#include <iostream>
#include <optional>

#include "comments/version.hpp"
#include "service/api/cache_coherence.hpp"
#include "service/api/comments_handlers.hpp"
#include "service/api/list_cache.hpp"
#include "service/api/ops_handlers.hpp"
#include "service/api/router.hpp"
#include "service/backup/backup.hpp"
#include "service/config/config.hpp"
#include "service/healthcheck/probe.hpp"
#include "service/http/server.hpp"
#include "service/log/logger.hpp"
#include "service/metrics/metrics.hpp"
#include "service/moderation/tokens.hpp"
#include "service/shutdown/shutdown.hpp"
#include "service/store/storage.hpp"
#include "service/transfer/transfer.hpp"

namespace {

using namespace comments;

// The admin listener's connection cap: probes and scrapes need a handful.
constexpr std::size_t kAdminConnections = 64;

int serve(const config::Config& c) {
  log::init(c.log_level, c.log_format);
  metrics::Metrics metrics({api::kRouteTemplates.begin(), api::kRouteTemplates.end()},
                           build::version, build::revision);

  // The moderation API exists only with a token file, and a bad one stops the start.
  std::optional<moderation::Tokens> tokens;
  if (!c.admin_token_file.empty()) {
    try {
      tokens = moderation::Tokens::load(c.admin_token_file);
    } catch (const std::invalid_argument& e) {
      std::cerr << "comments-service: --admin-token-file: " << e.what() << "\n";
      return 2;
    }
  }

  std::unique_ptr<store::Backend> backend;
  try {
    backend =
        store::open(c.storage, {c.sqlite_synchronous, c.storage_password_file, c.db_pool_size});
  } catch (const std::invalid_argument& e) {
    std::cerr << "comments-service: --storage: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    log::error("cannot open storage", {{"error", e.what()}});
    return 1;
  }
  const std::string backend_name(backend->name());
  api::ListCache cache(c.list_cache_bytes);
  // Other processes' writes (PostgreSQL replicas) reach the cache through the backend.
  api::CacheCoherence coherence(cache, metrics);
  backend->watch(coherence);
  // Shared storage (PostgreSQL) reads on every miss and while out of sync: as many read threads
  // as connections.
  const unsigned read_threads =
      c.read_threads > 0 ? c.read_threads : (backend->exclusive() ? 2U : c.db_pool_size);
  store::Storage storage(std::move(backend), {.read_threads = read_threads}, metrics);
  storage.on_commit([&cache](std::span<const store::NewComment> batch) {
    for (const auto& n : batch) {
      cache.invalidate(n.content_id);
    }
  });

  api::Readiness readiness;
  api::CommentsHandlers comments(storage, cache, metrics, c.max_page_size,
                                 {.email_visibility = c.email_visibility,
                                  .max_posts_per_email = c.max_posts_per_email,
                                  .max_links_per_comment = c.max_links_per_comment,
                                  .pre_moderation = c.moderation == config::Moderation::pre});
  api::OpsHandlers ops(storage, readiness, metrics, c.image_digest);
  // The moderation API is on the public port, under /api/ like the rest of the API (so the
  // Ingress routes it too); the bearer token, not the network, guards it.
  std::optional<api::AdminHandlers> admin_api;
  if (tokens) {
    admin_api.emplace(storage, cache, *tokens, c.max_page_size);
  }
  api::Router router(comments, ops, {.api = true, .ops = c.ops_on_public_port},
                     admin_api ? &*admin_api : nullptr);
  http::Server server({.address = c.listen,
                       .port = c.port,
                       .threads = c.threads,
                       .max_connections = c.max_connections,
                       .max_in_flight = c.max_in_flight,
                       .max_body_bytes = c.max_body_bytes,
                       .rate_limit = c.rate_limit,
                       .rate_burst = c.rate_burst,
                       .trusted_proxy_hops = c.trusted_proxy_hops,
                       .cors_origins = c.cors_origins,
                       .header_timeout = c.header_timeout,
                       .body_timeout = c.body_timeout,
                       .idle_timeout = c.idle_timeout,
                       .max_connections_per_client = c.max_connections_per_client,
                       .body_memory_budget = c.body_memory_budget},
                      router, metrics);
  // Probes and scrapes on a listener of their own: however many connections clients hold on the
  // public port, the kubelet's and Prometheus's get through.
  api::Router admin_router(comments, ops, {.api = false, .ops = true});
  std::optional<http::Server> admin;
  if (c.admin_port) {
    admin.emplace(http::ServerOptions{.address = c.listen,
                                      .port = *c.admin_port,
                                      .threads = 1,
                                      .max_connections = kAdminConnections,
                                      .max_in_flight = kAdminConnections,
                                      .max_body_bytes = 1024,
                                      .header_timeout = c.header_timeout,
                                      .body_timeout = c.body_timeout,
                                      .idle_timeout = c.idle_timeout,
                                      .body_memory_budget = 1024 * kAdminConnections,
                                      .admin = true},
                  admin_router, metrics);
  }
  try {
    server.start();
    if (admin) {
      admin->start();
    }
  } catch (const std::exception& e) {
    log::error("cannot listen",
               {{"address", c.listen},
                {"port", c.port},
                {"admin_port", c.admin_port ? static_cast<std::int64_t>(*c.admin_port) : -1},
                {"error", e.what()}});
    storage.stop();
    return 1;
  }
  if (admin) {  // first: whoever waits for "listening" finds the admin port logged too
    log::lifecycle("admin listening", {{"address", c.listen}, {"admin_port", admin->port()}});
  }
  log::lifecycle("listening", {{"address", c.listen},
                               {"port", server.port()},
                               {"storage", backend_name},
                               {"threads", c.threads},
                               {"ops_on_public_port", c.ops_on_public_port},
                               {"admin_api", tokens.has_value()},
                               {"version", build::version},
                               {"revision", build::revision},
                               {"log_level", config::to_string(c.log_level)}});
  return shutdown::run_until_signalled(server, admin ? &*admin : nullptr, storage, readiness,
                                       {.delay = c.shutdown_delay, .drain = c.drain_timeout});
}

}  // namespace

// What escapes (std::bad_alloc, a bug) ends in std::terminate, whose report and core dump are
// what we want for it.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  auto parsed = config::parse(argc, argv);
  if (!parsed.command) {
    return parsed.exit_code;
  }
  const auto& cmd = *parsed.command;
  switch (cmd.kind) {
    case config::Command::Kind::healthcheck:
      return healthcheck::probe(cmd.healthcheck.url, cmd.healthcheck.timeout);
    case config::Command::Kind::backup:
      return cmd.backup.to_dir.empty()
                 ? backup::run(cmd.config.storage, cmd.backup.to)
                 : backup::run_dated(cmd.config.storage, cmd.backup.to_dir, cmd.backup.keep);
    case config::Command::Kind::export_data:
    case config::Command::Kind::import_data: {
      const auto& c = cmd.config;
      const store::OpenOptions options{c.sqlite_synchronous, c.storage_password_file, 1};
      return cmd.kind == config::Command::Kind::export_data
                 ? transfer::run_export(c.storage, options, cmd.transfer.to)
                 : transfer::run_import(c.storage, options, cmd.transfer.from);
    }
    case config::Command::Kind::settings:
      config::print_settings(std::cout);
      return 0;
    case config::Command::Kind::check:
      std::cout << "comments-service: the configuration is valid\n";
      return 0;
    case config::Command::Kind::serve:
      break;
  }
  return serve(cmd.config);
}
