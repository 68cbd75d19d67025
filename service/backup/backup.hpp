// `comments-service backup --storage sqlite:PATH --to FILE | --to-dir DIR [--keep N]`: a
// consistent copy of the SQLite database taken while the service runs, through SQLite's online
// backup API; with --to-dir, one dated copy per run and the oldest beyond N removed.
#pragma once

#include <string>

namespace comments::backup {

// Copies the database of storage_url to `to` (written beside it, checked, then renamed over it).
// Returns the exit code: 0 copied, 1 failed (the reason on stderr), 2 a storage URL that this
// command cannot back up (PostgreSQL: the message points to pg_dump).
int run(const std::string& storage_url, const std::string& to);

// Copies the database to to_dir/comments-<UTC time, 20261126T221500Z>.db (never over an existing
// file: a second run within the same second fails), then removes the oldest files named exactly
// like that beyond `keep`, and nothing else. Exit codes as run's, and 2 for a to_dir that is
// missing or not writable, or a keep below 1.
int run_dated(const std::string& storage_url, const std::string& to_dir, unsigned keep);

}  // namespace comments::backup
