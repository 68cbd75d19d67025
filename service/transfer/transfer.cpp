// The two commands: open the storage, move the data through the NDJSON format (ndjson.hpp), say
// what was done on stderr (stdout may be the export itself).
#include "service/transfer/transfer.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "service/transfer/ndjson.hpp"

namespace comments::transfer {
namespace {

namespace fs = std::filesystem;

// The backend the URL names, or the exit code when there is none to use.
struct Opened {
  std::unique_ptr<store::Backend> backend;
  int exit_code = 0;
};

Opened open_storage(const char* command, const std::string& url,
                    const store::OpenOptions& options) {
  if (url.starts_with("memory:")) {
    std::cerr << "comments-service " << command
              << ": --storage must be sqlite:<path> or postgresql://… (memory: keeps nothing)\n";
    return {nullptr, 2};
  }
  try {
    return {store::open(url, options), 0};
  } catch (const std::invalid_argument& e) {
    std::cerr << "comments-service " << command << ": --storage: " << e.what() << "\n";
    return {nullptr, 2};
  } catch (const std::exception& e) {
    std::cerr << "comments-service " << command << ": " << e.what() << "\n";
    return {nullptr, 1};
  }
}

void write_snapshot(std::ostream& out, std::string_view backend, const store::Snapshot& data) {
  out << header_line(backend) << '\n';
  for (const auto& c : data.comments) {
    out << line(c) << '\n';
  }
  for (const auto& b : data.blocks) {
    out << line(b) << '\n';
  }
  for (const auto& a : data.audit) {
    out << line(a) << '\n';
  }
}

std::string tally(const store::ImportTally& t, const char* what) {
  return std::to_string(t.added) + " " + what + " imported, " + std::to_string(t.present) +
         " already present";
}

}  // namespace

int run_export(const std::string& storage_url, const store::OpenOptions& options,
               const std::string& to) {
  auto opened = open_storage("export", storage_url, options);
  if (!opened.backend) {
    return opened.exit_code;
  }
  const std::string backend(opened.backend->name());
  store::Snapshot data;
  try {
    data = opened.backend->snapshot();
  } catch (const std::exception& e) {
    std::cerr << "comments-service export: cannot read the storage: " << e.what() << "\n";
    return 1;
  }
  opened.backend.reset();  // SQLite: the file is free again while the export is written
  const std::string where = to == "-" ? "stdout" : to;
  if (to == "-") {
    write_snapshot(std::cout, backend, data);
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "comments-service export: cannot write to stdout\n";
      return 1;
    }
  } else {
    const fs::path partial = to + ".partial-" + std::to_string(::getpid());
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    write_snapshot(out, backend, data);
    out.close();
    std::error_code ec;
    if (!out || (fs::rename(partial, to, ec), ec)) {
      fs::remove(partial, ec);
      std::cerr << "comments-service export: cannot write '" << to << "'\n";
      return 1;
    }
  }
  std::cerr << "comments-service export: wrote " << data.comments.size() << " comments, "
            << data.blocks.size() << " blocks and " << data.audit.size() << " audit entries from "
            << backend << " to " << where << "\n";
  return 0;
}

int run_import(const std::string& storage_url, const store::OpenOptions& options,
               const std::string& from) {
  const std::string name = from == "-" ? "stdin" : from;
  std::ifstream file;
  if (from != "-") {
    file.open(from, std::ios::binary);
    if (!file) {
      std::cerr << "comments-service import: cannot read '" << from << "'\n";
      return 1;
    }
  }
  std::istream& in = from == "-" ? std::cin : file;
  // The whole file is checked before the storage is touched: a bad line imports nothing.
  Reader reader;
  try {
    std::string text;
    while (std::getline(in, text)) {
      reader.add(text);
    }
    if (in.bad()) {
      std::cerr << "comments-service import: cannot read " << name << "\n";
      return 1;
    }
    reader.finish();
  } catch (const LineError& e) {
    std::cerr << "comments-service import: " << name << ": " << e.what()
              << "; nothing was imported\n";
    return 1;
  }
  auto opened = open_storage("import", storage_url, options);
  if (!opened.backend) {
    return opened.exit_code;
  }
  store::ImportResult result;
  try {
    result = opened.backend->import(reader.finish());
  } catch (const store::ImportConflict& e) {
    std::cerr << "comments-service import: " << name << ": line "
              << reader.line_of(e.kind(), e.id()) << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "comments-service import: " << e.what() << "; nothing was imported\n";
    return 1;
  }
  std::cerr << "comments-service import: " << name << " into " << opened.backend->name() << ": "
            << tally(result.comments, "comments") << "; " << tally(result.blocks, "blocks") << "; "
            << tally(result.audit, "audit entries") << "\n";
  return 0;
}

}  // namespace comments::transfer
