// Reading auth.json / config.json files and asking docker-credential-* helpers.
#include "registry/credentials.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "process/process.hpp"
#include "registry/auth.hpp"

namespace commentsctl::registry {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* env_registry = "COMMENTSCTL_REGISTRY";
constexpr const char* env_user = "COMMENTSCTL_REGISTRY_USER";
constexpr const char* env_password = "COMMENTSCTL_REGISTRY_PASSWORD";

std::optional<std::string> non_empty(const CredentialSources& sources, const std::string& name) {
  auto value = sources.env(name);
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

// "https://host:5000/v1/" → "host:5000", and Docker Hub's names → "index.docker.io", as
// docker and containers/image compare keys.
std::string normalise_key(std::string key) {
  for (const char* scheme : {"https://", "http://"}) {
    if (key.rfind(scheme, 0) == 0) {
      key.erase(0, std::string_view(scheme).size());
      break;
    }
  }
  if (auto slash = key.find('/'); slash != std::string::npos) {
    key.resize(slash);
  }
  if (key == "docker.io" || key == "registry-1.docker.io") {
    key = "index.docker.io";
  }
  return key;
}

// The entry of `object` for `registry`: its exact key first, else a key that normalises to it.
const json::value* entry_for(const json::object& object, const std::string& registry) {
  if (const auto* exact = object.if_contains(registry)) {
    return exact;
  }
  const std::string wanted = normalise_key(registry);
  for (const auto& [key, value] : object) {
    if (normalise_key(std::string(key)) == wanted) {
      return &value;
    }
  }
  return nullptr;
}

std::optional<Credentials> from_helper(const std::string& helper, const std::string& registry,
                                       const std::string& why, const CredentialSources& sources) {
  const std::string program = "docker-credential-" + helper;
  // Docker stores Docker Hub under its old API URL; every other registry under its name.
  const std::string server =
      normalise_key(registry) == "index.docker.io" ? "https://index.docker.io/v1/" : registry;
  auto [code, output] = sources.run(program, server);
  if (code == 127) {
    throw std::runtime_error(program + " (" + why + ") is not on PATH");
  }
  if (code != 0) {
    // The helper protocol's answer for an unknown server.
    if (output.find("credentials not found") != std::string::npos) {
      return std::nullopt;
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
      output.pop_back();
    }
    throw std::runtime_error(program + " get " + registry + " (" + why + ") failed with exit " +
                             std::to_string(code) + (output.empty() ? "" : ": " + output));
  }
  boost::system::error_code ec;
  const auto doc = json::parse(output, ec);
  const auto* obj = ec ? nullptr : doc.if_object();
  auto field = [&](const char* name) -> std::optional<std::string> {
    const auto* v = obj ? obj->if_contains(name) : nullptr;
    return v && v->is_string() ? std::optional<std::string>(v->as_string()) : std::nullopt;
  };
  const auto user = field("Username");
  const auto secret = field("Secret");
  if (!user || !secret) {
    throw std::runtime_error(program + " get " + registry + " (" + why +
                             ") did not answer {\"Username\": ..., \"Secret\": ...}");
  }
  Credentials c;
  c.origin = program + " (" + why + ")";
  if (*user == "<token>") {  // the helper protocol's way of returning an identity token
    c.identity_token = *secret;
  } else {
    c.user = *user;
    c.password = *secret;
  }
  if (c.user.empty() && c.password.empty() && c.identity_token.empty()) {
    return std::nullopt;
  }
  return c;
}

std::optional<Credentials> from_entry(const json::value& entry, const std::string& path,
                                      const std::string& key_for_messages) {
  const auto* obj = entry.if_object();
  if (obj == nullptr) {
    throw std::runtime_error(path + ": auths.\"" + key_for_messages + "\" is not an object");
  }
  Credentials c;
  c.origin = path;
  if (const auto* auth = obj->if_contains("auth");
      auth && auth->is_string() && !auth->as_string().empty()) {
    auto decoded = base64_decode(std::string_view(auth->as_string()));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      throw std::runtime_error(path + ": auths.\"" + key_for_messages +
                               "\".auth is not base64 of \"user:password\"");
    }
    c.user = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
    while (!c.password.empty() && c.password.back() == '\0') {
      c.password.pop_back();
    }
  }
  if (const auto* token = obj->if_contains("identitytoken"); token && token->is_string()) {
    c.identity_token = std::string(token->as_string());
  }
  if ((c.user.empty() || c.password.empty()) && c.identity_token.empty()) {
    return std::nullopt;  // e.g. {} left by docker when a credsStore holds the secret
  }
  return c;
}

}  // namespace

CredentialSources system_credential_sources(std::string authfile) {
  CredentialSources sources;
  sources.env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
  };
  sources.run = [](const std::string& program, const std::string& input) {
    auto result = process::run_process({program, "get"}, input, true);
    return std::pair<int, std::string>{result.exit_code, std::move(result.output)};
  };
  sources.uid = static_cast<unsigned>(::getuid());
  sources.authfile = std::move(authfile);
  return sources;
}

std::vector<AuthFile> auth_files(const CredentialSources& sources) {
  std::vector<AuthFile> files;
  const auto home = non_empty(sources, "HOME");
  if (!sources.authfile.empty()) {
    files.push_back({sources.authfile, false});
  } else if (auto file = non_empty(sources, "REGISTRY_AUTH_FILE")) {
    files.push_back({*file, false});
  } else if (auto runtime = non_empty(sources, "XDG_RUNTIME_DIR")) {
    files.push_back({(fs::path(*runtime) / "containers/auth.json").string(), false});
  } else {
    files.push_back({"/run/containers/" + std::to_string(sources.uid) + "/auth.json", false});
  }
  if (auto config = non_empty(sources, "XDG_CONFIG_HOME")) {
    files.push_back({(fs::path(*config) / "containers/auth.json").string(), false});
  } else if (home) {
    files.push_back({(fs::path(*home) / ".config/containers/auth.json").string(), false});
  }
  if (auto docker = non_empty(sources, "DOCKER_CONFIG")) {
    files.push_back({(fs::path(*docker) / "config.json").string(), false});
  } else if (home) {
    files.push_back({(fs::path(*home) / ".docker/config.json").string(), false});
  }
  if (home) {
    files.push_back({(fs::path(*home) / ".dockercfg").string(), true});
  }
  return files;
}

std::optional<Credentials> credentials_from_file(const AuthFile& file, const std::string& registry,
                                                 const CredentialSources& sources) {
  std::ifstream in(file.path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value doc = json::parse(text.str(), ec);
  if (ec) {
    throw std::runtime_error(file.path + ": not valid JSON: " + ec.message());
  }
  const auto* root = doc.if_object();
  if (root == nullptr) {
    throw std::runtime_error(file.path + ": not a JSON object");
  }
  if (file.legacy) {  // ~/.dockercfg: the auths object itself
    const auto* entry = entry_for(*root, registry);
    return entry ? from_entry(*entry, file.path, registry) : std::nullopt;
  }
  if (const auto* helpers = root->if_contains("credHelpers"); helpers && helpers->is_object()) {
    if (const auto* helper = entry_for(helpers->as_object(), registry);
        helper && helper->is_string()) {
      auto found = from_helper(std::string(helper->as_string()), registry,
                               "credHelpers in " + file.path, sources);
      if (found) {
        return found;
      }
    }
  }
  if (const auto* auths = root->if_contains("auths"); auths && auths->is_object()) {
    if (const auto* entry = entry_for(auths->as_object(), registry)) {
      if (auto found = from_entry(*entry, file.path, registry)) {
        return found;
      }
    }
  }
  if (const auto* store = root->if_contains("credsStore");
      store && store->is_string() && !store->as_string().empty()) {
    return from_helper(std::string(store->as_string()), registry, "credsStore in " + file.path,
                       sources);
  }
  return std::nullopt;
}

CredentialSearch find_credentials(const std::string& registry, const CredentialSources& sources) {
  CredentialSearch search;
  const auto named = non_empty(sources, env_registry);
  const auto user = non_empty(sources, env_user);
  const auto password = sources.env(env_password);
  if (user || password) {
    if (!user || !password) {
      throw std::runtime_error(std::string(user ? env_password : env_user) + " is not set, but " +
                               (user ? env_user : env_password) + " is");
    }
    if (!named) {
      throw std::runtime_error(std::string(env_user) + " is set but " + env_registry +
                               " does not name the registry it is for: set " + env_registry + "=" +
                               registry + " (host[:port]) to send it there");
    }
  }
  search.searched.push_back(std::string(env_user) + " (with " + env_registry + "=" + registry +
                            ")");
  if (user && named && normalise_key(*named) == normalise_key(registry)) {
    search.found = Credentials{*user, *password, "", std::string(env_user) + "/PASSWORD"};
    return search;
  }
  for (const auto& file : auth_files(sources)) {
    search.searched.push_back(file.path);
    if (auto found = credentials_from_file(file, registry, sources)) {
      search.found = std::move(found);
      return search;
    }
  }
  return search;
}

std::string credentials_help(const std::string& registry, const CredentialSearch& search) {
  std::string out = "log in with `skopeo login " + registry + "`, `podman login " + registry +
                    "` or `docker login " + registry + "`, or set " + env_registry + "=" +
                    registry + " with " + env_user + " and " + env_password + " (looked in: ";
  for (std::size_t i = 0; i < search.searched.size(); ++i) {
    out += (i == 0 ? "" : ", ") + search.searched[i];
  }
  return out + ")";
}

}  // namespace commentsctl::registry
