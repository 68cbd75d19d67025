// `comments-service backup --storage sqlite:PATH --to FILE`: a consistent copy of the SQLite
// database taken while the service runs, through SQLite's online backup API.
#pragma once

#include <string>

namespace comments::backup {

// Copies the database of storage_url to `to` (written beside it, checked, then renamed over it).
// Returns the exit code: 0 copied, 1 failed (the reason on stderr), 2 a storage URL that this
// command cannot back up (PostgreSQL: the message points to pg_dump).
int run(const std::string& storage_url, const std::string& to);

}  // namespace comments::backup
