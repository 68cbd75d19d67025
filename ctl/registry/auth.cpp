// Reading WWW-Authenticate challenges and Docker client credentials.
#include "registry/auth.hpp"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace commentsctl::registry {
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace

// RFC 7235 has no parser in Boost (Beast's param_list reads ';'-separated lists), so this reads
// `scheme key=value, key="quoted \" value"` itself, stopping at the next challenge.
std::optional<Challenge> parse_challenge(std::string_view h) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) {
      ++i;
    }
  };
  auto token = [&] {
    const std::size_t start = i;
    while (i < h.size() && is_token_char(h[i])) {
      ++i;
    }
    return std::string(h.substr(start, i - start));
  };
  skip_space();
  Challenge challenge;
  challenge.scheme = lower(token());
  if (challenge.scheme.empty()) {
    return std::nullopt;
  }
  while (true) {
    skip_space();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_space();
    }
    if (i >= h.size()) {
      break;
    }
    const std::size_t key_start = i;
    std::string key = lower(token());
    skip_space();
    if (key.empty() || i >= h.size() || h[i] != '=') {
      // Another scheme begins (or garbage): the first challenge ends here.
      if (key.empty() && key_start == i) {
        return std::nullopt;
      }
      break;
    }
    ++i;
    skip_space();
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      bool closed = false;
      while (i < h.size()) {
        char c = h[i++];
        if (c == '\\' && i < h.size()) {
          value += h[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) {
        return std::nullopt;
      }
    } else {
      value = token();
    }
    challenge.params[key] = value;
  }
  return challenge;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string in(text);
  while (!in.empty() && std::isspace(static_cast<unsigned char>(in.back())) != 0) {
    in.pop_back();
  }
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out(3 * in.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t pad = in.size(); pad > 0 && in[pad - 1] == '='; --pad) {
    --size;
  }
  out.resize(size);
  return out;
}

std::optional<Credentials> credentials_from_docker_config(const std::string& path,
                                                          const std::string& registry) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text.str(), ec);
  if (ec) {
    throw std::runtime_error(path + ": not valid JSON: " + ec.message());
  }
  const auto* root = doc.if_object();
  const auto* auths = root ? root->if_contains("auths") : nullptr;
  if (auths == nullptr || !auths->is_object()) {
    return std::nullopt;
  }
  // Docker writes keys as "host:port", sometimes with a scheme and path.
  const std::vector<std::string> keys = {registry, "https://" + registry, "http://" + registry,
                                         "https://" + registry + "/v1/",
                                         "https://" + registry + "/v2/"};
  for (const auto& key : keys) {
    const auto* entry = auths->as_object().if_contains(key);
    if (entry == nullptr) {
      continue;
    }
    const auto* obj = entry->if_object();
    const auto* auth = obj ? obj->if_contains("auth") : nullptr;
    if (auth == nullptr || !auth->is_string()) {
      continue;
    }
    auto decoded = base64_decode(std::string_view(auth->as_string()));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      throw std::runtime_error(path + ": auths.\"" + key +
                               "\".auth is not base64 of \"user:password\"");
    }
    return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1), path};
  }
  return std::nullopt;
}

std::optional<Credentials> find_credentials(const std::string& registry) {
  const char* user = std::getenv("COMMENTSCTL_REGISTRY_USER");
  const char* password = std::getenv("COMMENTSCTL_REGISTRY_PASSWORD");
  if (user != nullptr && password != nullptr && *user != '\0') {
    return Credentials{user, password, "COMMENTSCTL_REGISTRY_USER/PASSWORD"};
  }
  std::filesystem::path dir;
  if (const char* config = std::getenv("DOCKER_CONFIG"); config != nullptr && *config != '\0') {
    dir = config;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".docker";
  } else {
    return std::nullopt;
  }
  return credentials_from_docker_config((dir / "config.json").string(), registry);
}

}  // namespace commentsctl::registry
