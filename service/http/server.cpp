// Binds the acceptors, runs the I/O threads, and carries out the server's part of shutdown.
#include "service/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "service/http/worker.hpp"
#include "service/log/logger.hpp"

namespace comments::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Takes one accepted connection: closed at once beyond the cap or when stopping, else a session.
void admit(Shared& shared, Worker& worker, tcp::socket socket) {
  boost::system::error_code ignored;
  if (shared.connections.load(std::memory_order_relaxed) >= shared.options.max_connections ||
      shared.stopping.load(std::memory_order_relaxed)) {
    shared.metrics.connections_rejected().Increment();
    socket.close(ignored);
    return;
  }
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec).address();
  if (ec) {
    socket.close(ignored);  // gone already
    return;
  }
  if (shared.per_client.enabled() && !shared.per_client.try_open(key_of(peer))) {
    shared.metrics.connections_rejected().Increment();
    socket.close(ignored);
    return;
  }
  shared.connections.fetch_add(1, std::memory_order_relaxed);
  socket.set_option(tcp::no_delay(true), ignored);
  asio::co_spawn(worker.ioc, run_session(shared, worker, std::move(socket), peer),
                 [](const std::exception_ptr& e) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::error("connection failed", {{"error", ex.what()}});
                     }
                   }
                 });
}

// Connections taken from the backlog per turn of the event loop. One per turn starves the
// backlog behind every busy session: under a storm of 1000 connections they waited seconds to be
// accepted (docs/reliability.md, overload).
constexpr int kAcceptBatch = 64;

asio::awaitable<void> accept_loop(Shared& shared, Worker& worker) {
  const auto tuple = asio::as_tuple(asio::use_awaitable);
  boost::system::error_code ignored;
  worker.acceptor->non_blocking(true, ignored);  // the batch below must not block the thread
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !worker.acceptor->is_open()) {
        co_return;
      }
      // Out of file descriptors and the like: back off instead of spinning.
      log::warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(worker.ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(tuple);
      continue;
    }
    admit(shared, worker, std::move(socket));
    for (int i = 1; i < kAcceptBatch; ++i) {
      tcp::socket more(worker.ioc);
      boost::system::error_code more_ec;
      worker.acceptor->accept(more, more_ec);
      if (more_ec) {
        break;  // would_block: the backlog is empty; anything else the next async_accept reports
      }
      admit(shared, worker, std::move(more));
    }
  }
}

}  // namespace

Server::Server(ServerOptions options, api::Router& router, metrics::Metrics& metrics)
    : shared_(std::make_unique<Shared>(std::move(options), router, metrics)) {
  // Gauges read from the counters at scrape time: nothing extra on the request path.
  if (!shared_->options.admin) {
    metrics.on_collect([s = shared_.get()](metrics::Metrics& m) {
      m.in_flight().Set(static_cast<double>(s->in_flight.load(std::memory_order_relaxed)));
      m.connections_open().Set(static_cast<double>(s->connections.load(std::memory_order_relaxed)));
    });
  }
}

Server::~Server() { stop(); }

void Server::start() {
  const auto& opt = shared_->options;
  const tcp::endpoint first{asio::ip::make_address(opt.address), opt.port};
  for (unsigned i = 0; i < std::max(1U, opt.threads); ++i) {
    auto w = std::make_unique<Worker>();
    tcp::endpoint ep{first.address(), i == 0 ? first.port() : port_};
    w->acceptor.emplace(w->ioc);
    w->acceptor->open(ep.protocol());
    w->acceptor->set_option(tcp::acceptor::reuse_address(true));
    w->acceptor->set_option(reuse_port(true));
    w->acceptor->bind(ep);
    w->acceptor->listen(asio::socket_base::max_listen_connections);
    if (i == 0) {
      port_ = w->acceptor->local_endpoint().port();
    }
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    asio::co_spawn(w->ioc, accept_loop(*shared_, *w), asio::detached);
    w->thread = std::thread([w = w.get()] { w->ioc.run(); });
  }
}

void Server::stop_accepting() {
  shared_->stopping.store(true);
  for (auto& w : workers_) {
    asio::post(w->ioc, [w = w.get()] {
      boost::system::error_code ignored;
      w->acceptor->close(ignored);
      for (auto* s : w->sessions) {
        if (s->idle) {
          s->stream->socket().cancel(ignored);
        }
      }
    });
  }
}

std::size_t Server::open_connections() const {
  return shared_->connections.load(std::memory_order_relaxed);
}

void Server::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  for (auto& w : workers_) {
    w->ioc.stop();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) {
      w->thread.join();
    }
  }
}

}  // namespace comments::http
