// Chooses a backend by the scheme of the storage URL.
#include <stdexcept>

#include "service/store/backend.hpp"
#include "service/store/memory_backend.hpp"
#include "service/store/postgres/backend.hpp"
#include "service/store/sqlite_backend.hpp"

namespace comments::store {

std::unique_ptr<Backend> open(std::string_view url, const OpenOptions& options) {
  if (url == "memory:" || url == "memory://") {
    return std::make_unique<MemoryBackend>();
  }
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) {
      path.remove_prefix(2);  // sqlite:///abs/path and sqlite://rel/path
    }
    if (path.empty()) {
      throw std::invalid_argument(
          "storage URL 'sqlite:' needs a file path, e.g. sqlite:data/comments.db");
    }
    return std::make_unique<SqliteBackend>(std::string(path), options.sqlite_synchronous);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::make_unique<PostgresBackend>(std::string(url), options);
  }
  // Only the scheme is repeated: the rest may hold a password.
  throw std::invalid_argument("unknown storage URL scheme '" +
                              std::string(url.substr(0, url.find(':'))) +
                              "': use memory:, sqlite:<path> or postgresql://…");
}

}  // namespace comments::store
