// The one rule, for reads and writes alike, deciding whether a failed operation runs once more on
// a new session: only when the old session served earlier operations (it may have died while it
// sat idle) and it is certain that the failed attempt changed nothing.
#pragma once

#include "service/store/postgres/session.hpp"

namespace comments::store::pg {

enum class Effect {
  none,    // reads and pings: running them again is always safe
  commits  // a transaction: safe again only if it certainly did not commit
};

// After the first attempt failed on session s (reused: it came from the pool, not opened for this
// attempt), whether to try once more on a new one. A write certainly did not commit only when the
// server itself ended the session in place of a result before COMMIT's (SQLSTATE 57P0x: results
// arrive in order, so COMMIT never ran); a connection that merely vanished may have committed,
// and that batch fails rather than risk storing it twice.
inline bool run_again(const Session& s, bool reused, Effect effect) {
  if (!reused || !s.broken() || s.timed_out()) {
    return false;
  }
  return effect == Effect::none || s.server_ended_session();
}

}  // namespace comments::store::pg
