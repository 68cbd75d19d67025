// Signal handling and the ordered stop, driven by a coroutine on the main thread.
#include "service/shutdown/shutdown.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>

#include "service/log/logger.hpp"

namespace comments::shutdown {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::int64_t ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

int run_until_signalled(http::Server& server, http::Server* admin, store::Storage& storage,
                        api::Readiness& readiness, Timing timing) {
  asio::io_context ctl{1};
  asio::signal_set signals(ctl, SIGINT, SIGTERM);
  int exit_code = 0;

  auto sequence = [&]() -> asio::awaitable<void> {
    const auto tuple = asio::as_tuple(asio::use_awaitable);
    auto [ec, sig] = co_await signals.async_wait(tuple);
    if (ec) {
      co_return;
    }
    const auto t0 = Clock::now();
    // From now on a second signal ends the process at once.
    signals.async_wait([](const boost::system::error_code& e, int second) {
      if (!e) {
        log::warn("second signal: exiting at once", {{"signal", second}});
        std::_Exit(128 + second);
      }
    });
    readiness.begin_draining();
    log::lifecycle("shutdown: readiness failing, still serving",
                   {{"signal", sig}, {"delay_ms", timing.delay.count()}});
    asio::steady_timer timer(ctl, timing.delay);
    co_await timer.async_wait(tuple);

    server.stop_accepting();
    log::lifecycle("shutdown: stopped accepting, draining",
                   {{"open_connections", server.open_connections()}});
    const auto deadline = Clock::now() + timing.drain;
    while (server.open_connections() > 0 && Clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(tuple);
    }
    const auto left = server.open_connections();
    if (left > 0) {
      log::warn("shutdown: drain timeout, dropping connections", {{"open_connections", left}});
    }
    server.stop();
    if (admin != nullptr) {
      admin->stop_accepting();
      admin->stop();
    }
    storage.stop();
    log::lifecycle("shutdown: complete", {{"duration_ms", ms(Clock::now() - t0)}});
    signals.cancel();
  };
  asio::co_spawn(ctl, sequence(), asio::detached);
  ctl.run();
  return exit_code;
}

}  // namespace comments::shutdown
