// Where registry credentials come from, per registry, in the order and from the files that
// skopeo, podman and docker use: explicit environment credentials named for one registry, the
// containers auth.json files, the Docker config.json, credential helpers (docker-credential-*)
// and identity tokens.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace commentsctl::registry {

struct Credentials {
  std::string user;
  std::string password;
  // An OAuth2 refresh token (Docker's "identitytoken", or a helper's "<token>" user): Bearer
  // tokens are requested with it instead of the password.
  std::string identity_token;
  std::string origin;  // where they came from, for messages: a file, a helper, the environment
};

// What a lookup found and where it looked, in order, for the message when nothing was found.
struct CredentialSearch {
  std::optional<Credentials> found;
  std::vector<std::string> searched;
};

// What the lookup reads from its process, replaceable in tests.
struct CredentialSources {
  // An environment variable; nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> env;
  // Runs `program` (from PATH) with `input` on stdin: exit code (127: not found) and stdout.
  std::function<std::pair<int, std::string>(const std::string& program, const std::string& input)>
      run;
  unsigned uid = 0;
  std::string authfile;  // --authfile: takes REGISTRY_AUTH_FILE's place when set
};

// The process's own environment, PATH and uid.
CredentialSources system_credential_sources(std::string authfile = {});

// The files searched, in order, with whether each is in the legacy ~/.dockercfg format:
//   REGISTRY_AUTH_FILE (or --authfile), else $XDG_RUNTIME_DIR/containers/auth.json
//     (/run/containers/<uid>/auth.json without XDG_RUNTIME_DIR);
//   $XDG_CONFIG_HOME/containers/auth.json (~/.config/containers/auth.json);
//   $DOCKER_CONFIG/config.json, else ~/.docker/config.json;
//   ~/.dockercfg.
struct AuthFile {
  std::string path;
  bool legacy = false;
};
std::vector<AuthFile> auth_files(const CredentialSources& sources);

// Credentials for `registry` ("host[:port]"), the first found winning:
//   COMMENTSCTL_REGISTRY_USER and COMMENTSCTL_REGISTRY_PASSWORD, when COMMENTSCTL_REGISTRY names
//   this registry (set without it, they are refused: they were once sent everywhere);
//   then each auth file: credHelpers.<registry> (docker-credential-<helper> get), then the auths
//   entry for the registry (keys written as URLs match too; "auth" is base64 user:password,
//   "identitytoken" a refresh token), then credsStore (docker-credential-<store> get).
// Throws std::runtime_error for an unreadable or malformed file, a helper that is missing or
// fails, or half-set environment credentials.
CredentialSearch find_credentials(const std::string& registry, const CredentialSources& sources);

// One file's answer for `registry` (nullopt: nothing there). Throws like find_credentials.
std::optional<Credentials> credentials_from_file(const AuthFile& file, const std::string& registry,
                                                 const CredentialSources& sources);

// What tells a user how to give credentials for `registry`, after "no credentials were found".
std::string credentials_help(const std::string& registry, const CredentialSearch& search);

}  // namespace commentsctl::registry
