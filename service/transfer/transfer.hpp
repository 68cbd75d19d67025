// `comments-service export` and `import`: everything a storage holds (comments in every state,
// blocks, the audit log) to an NDJSON file and back, the way to move between SQLite and
// PostgreSQL (docs/operations.md).
#pragma once

#include <string>

#include "service/store/backend.hpp"

namespace comments::transfer {

// Writes the storage's data to `to` ("-": stdout; a file is written beside it, then renamed over
// it). Returns the exit code: 0 written, 1 failed (the reason on stderr), 2 a storage URL it
// cannot use.
int run_export(const std::string& storage_url, const store::OpenOptions& options,
               const std::string& to);

// Reads an export from `from` ("-": stdin) into the storage, in one transaction: records already
// there are counted, not written again. Returns 0 imported, 1 nothing imported (a bad line, a
// conflicting record or a storage failure, said on stderr with the line number), 2 a storage URL
// it cannot use.
int run_import(const std::string& storage_url, const store::OpenOptions& options,
               const std::string& from);

}  // namespace comments::transfer
