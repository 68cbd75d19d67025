// The validator's messages, one test per kind of problem, as `file:line:column: message` lines.
#include <catch2/catch.hpp>

#include "service/config/settings.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

std::vector<std::string> problems(const std::string& text) {
  schema::Diagnostics diags;
  const auto spec = spec::parse_spec(text, "spec.yaml", diags);
  CHECK(spec.has_value() == diags.empty());
  return lines(diags);
}

// A valid spec whose environment `dev` continues with `extra` from line 8 (indent by 4).
std::string dev_with(const std::string& extra) {
  return "app: {name: comments}\n"
         "defaults:\n"
         "  image: {repository: registry.example.com/c}\n"
         "  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: \"1\", memory: 256Mi}}\n"
         "environments:\n"
         "  dev:\n"
         "    namespace: dev\n" +
         extra;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("a minimal spec is valid and takes the built-in defaults", "[validate]") {
  schema::Diagnostics diags;
  const auto spec = spec::parse_spec(dev_with(""), "spec.yaml", diags);
  REQUIRE(lines(diags).empty());
  const auto& dev = spec->environments.at(0);
  CHECK(spec->app.port.value == 8000);
  CHECK(spec->app.admin_port.value == 9090);
  CHECK(spec->app.part_of.value == "comments");
  CHECK(dev.replicas.value == 1);
  CHECK(dev.storage.backend.value == spec::Backend::Sqlite);
  CHECK(dev.termination_grace_seconds.value == 30);
  REQUIRE(dev.setting("LOG_LEVEL") != nullptr);
  CHECK(dev.setting("LOG_LEVEL")->value == "info");
  CHECK(dev.setting("DB_POOL_SIZE") == nullptr);  // a PostgreSQL setting, and dev runs SQLite
}

TEST_CASE("an environment overrides defaults key by key, config variable by variable",
          "[validate]") {
  schema::Diagnostics diags;
  const auto spec = spec::parse_spec(
      "app: {name: comments}\n"
      "defaults:\n"
      "  image: {repository: registry.example.com/c}\n"
      "  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: \"1\", memory: 256Mi}}\n"
      "  config: {THREADS: \"2\", MAX_PAGE_SIZE: \"100\"}\n"
      "environments:\n"
      "  dev:\n"
      "    namespace: dev\n"
      "    resources: {limits: {memory: 1Gi}}\n"
      "    config: {THREADS: \"4\"}\n",
      "spec.yaml", diags);
  REQUIRE(lines(diags).empty());
  const auto& dev = spec->environments.at(0);
  CHECK(dev.resources.memory_limit.value == "1Gi");
  CHECK(dev.resources.cpu_limit.value == "1");
  CHECK(dev.resources.memory_limit.mark.line == 8);
  REQUIRE(dev.config.size() == 2);
  CHECK(dev.config[0].first == "MAX_PAGE_SIZE");
  CHECK(dev.config[1].second.value == "4");
}

TEST_CASE("YAML that does not parse is reported where it breaks", "[validate]") {
  CHECK(problems("app: [\n") ==
        Lines{"spec.yaml:2:1: invalid YAML: end of sequence flow not found"});
  CHECK(problems("") == Lines{"spec.yaml:1:1: the file is empty"});
  CHECK(problems("a: 1\n---\nb: 2\n") ==
        Lines{"spec.yaml:1:1: the file must hold one YAML document, not 2"});
  CHECK(problems("app: " + std::string(5000, '[')) ==
        Lines{"spec.yaml:1:1: the YAML is nested too deeply"});
  CHECK(problems("- a\n") == Lines{"spec.yaml:1:1: the document must be a mapping, not a list"});
  // yaml-cpp's LoadAll alone never returns on this one; found by tests/reliability/fuzz.
  CHECK(problems(",") == Lines{"spec.yaml:1:1: invalid YAML: unexpected character"});
}

TEST_CASE("unknown keys are named, with the closest known key", "[validate]") {
  CHECK(problems(dev_with("    replics: 2\n")) ==
        Lines{"spec.yaml:8:5: unknown key \"replics\" in environments.dev (did you mean "
              "\"replicas\"?)"});
  CHECK(problems(dev_with("    colour: blue\n")) ==
        Lines{"spec.yaml:8:5: unknown key \"colour\" in environments.dev"});
  CHECK(problems(dev_with("    storage: {sqlite: {sise: 1Gi}}\n")) ==
        Lines{"spec.yaml:8:24: unknown key \"sise\" in storage.sqlite (did you mean \"size\"?)"});
  CHECK(problems("ap: {name: c}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:1: unknown key \"ap\" (did you mean \"app\"?)",
              "spec.yaml:1:1: app is required"});
}

TEST_CASE("a key written twice is refused", "[validate]") {
  CHECK(problems(dev_with("    replicas: 1\n    replicas: 1\n")) ==
        Lines{"spec.yaml:9:5: duplicate key \"replicas\" in environments.dev (first at line 8)"});
}

TEST_CASE("values of the wrong type are refused", "[validate]") {
  CHECK(problems(dev_with("    resources: 5\n")) ==
        Lines{"spec.yaml:8:16: resources must be a mapping, not \"5\""});
  CHECK(problems(dev_with("    logLevel: {a: b}\n")) ==
        Lines{"spec.yaml:8:15: logLevel must be a string, not a mapping"});
  CHECK(problems(dev_with("    replicas: \"1\"\n")) ==
        Lines{"spec.yaml:8:15: replicas must be an integer, not \"1\""});
  CHECK(problems(dev_with("    replicas: one\n")) ==
        Lines{"spec.yaml:8:15: replicas must be an integer, not \"one\""});
  CHECK(problems(dev_with("    ingress: {enabled: yes}\n")) ==
        Lines{"spec.yaml:8:24: ingress.enabled must be true or false, not \"yes\""});
  CHECK(problems(dev_with("    networkPolicy: {allowFromNamespaces: monitoring}\n")) ==
        Lines{"spec.yaml:8:42: networkPolicy.allowFromNamespaces must be a list, not "
              "\"monitoring\""});
  CHECK(problems(dev_with("    logLevel:\n")) == Lines{"spec.yaml:8:5: logLevel needs a value"});
}

TEST_CASE("numbers out of range are refused", "[validate]") {
  CHECK(problems(dev_with("    replicas: 0\n")) ==
        Lines{"spec.yaml:8:15: replicas must be between 1 and 100, not 0"});
  CHECK(problems("app: {name: comments, port: 70000}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:29: port must be between 1 and 65535, not 70000"});
  CHECK(problems("app: {name: comments, adminPort: 0}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:34: adminPort must be between 1 and 65535, not 0"});
}

TEST_CASE("the admin port needs a port of its own", "[validate]") {
  CHECK(problems("app: {name: comments, adminPort: 8000}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:34: app.adminPort must differ from app.port (8000): probes and "
              "scraping get a listener of their own"});
  // Without adminPort, a port of 9090 meets the built-in admin port.
  CHECK(problems("app: {name: comments, port: 9090}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:29: app.adminPort must differ from app.port (9090): probes and "
              "scraping get a listener of their own"});
  CHECK(problems("app: {name: comments, port: 9090, adminPort: 9091}\n" + dev_with("").substr(22))
            .empty());
  CHECK(
      problems(dev_with("    config: {ADMIN_PORT: \"9091\"}\n")) ==
      Lines{"spec.yaml:8:14: config.ADMIN_PORT: is derived from app.adminPort; set that instead"});
}

TEST_CASE("values outside a closed set name the set and the closest value", "[validate]") {
  CHECK(problems(dev_with("    logLevel: WARN\n")) ==
        Lines{"spec.yaml:8:15: logLevel must be one of debug, info, warn, error, not \"WARN\" "
              "(did you mean \"warn\"?)"});
  CHECK(problems(dev_with("    storage: {backend: mysql}\n")) ==
        Lines{"spec.yaml:8:24: storage.backend must be one of sqlite, postgresql, not \"mysql\""});
}

TEST_CASE("malformed values say what the format is", "[validate]") {
  CHECK(problems(dev_with("    shutdownDelay: 5\n")) ==
        Lines{"spec.yaml:8:20: shutdownDelay must be a duration: up to six digits and a unit (ms, "
              "s, m or h), such as 500ms, 5s, 2m or 1h, not \"5\""});
  CHECK(problems(dev_with("    resources: {limits: {memory: 256MB}}\n")) ==
        Lines{"spec.yaml:8:34: resources.limits.memory must be a Kubernetes quantity, such as "
              "100m, 0.5, 64Mi or 1Gi, not \"256MB\""});
  CHECK(problems(dev_with("    namespace: Comments_Dev\n")
                     .replace(dev_with("").find("    namespace: dev\n"), 19, "")) ==
        Lines{"spec.yaml:7:16: namespace must be a DNS label: at most 63 lowercase letters, "
              "digits and '-', starting and ending with a letter or digit, not \"Comments_Dev\""});
  CHECK(problems(dev_with("    image: {repository: registry.example.com/c:1.0}\n")) ==
        Lines{"spec.yaml:8:25: image.repository must not contain a tag (the release pin sets "
              "it), not \"registry.example.com/c:1.0\""});
  CHECK(problems(dev_with("    networkPolicy: {allowFromNamespaces: [ok, Not_OK]}\n")) ==
        Lines{"spec.yaml:8:47: networkPolicy.allowFromNamespaces[1] must be a DNS label: at most "
              "63 lowercase letters, digits and '-', starting and ending with a letter or digit, "
              "not \"Not_OK\""});
}

TEST_CASE("required settings and sections must be present", "[validate]") {
  CHECK(problems("app: {name: comments}\n"
                 "defaults: {}\n"
                 "environments:\n"
                 "  dev: {namespace: dev}\n") ==
        Lines{"spec.yaml:4:3: image.repository is required (here or in defaults)",
              "spec.yaml:4:3: resources.requests.cpu is required (here or in defaults)",
              "spec.yaml:4:3: resources.requests.memory is required (here or in defaults)",
              "spec.yaml:4:3: resources.limits.cpu is required (here or in defaults)",
              "spec.yaml:4:3: resources.limits.memory is required (here or in defaults)"});
  CHECK(problems(dev_with("").replace(dev_with("").find("    namespace: dev\n"), 19,
                                      "    replicas: 1\n")) ==
        Lines{"spec.yaml:6:3: namespace is required (here or in defaults)"});
  CHECK(problems("app: {port: 8000}\n" + dev_with("").substr(22)) ==
        Lines{"spec.yaml:1:6: name is required in app"});
  CHECK(problems("app: {name: comments}\ndefaults: {}\nenvironments: {}\n") ==
        Lines{"spec.yaml:3:15: environments must name at least one environment"});
}

TEST_CASE("environment names and environment-only keys are checked", "[validate]") {
  CHECK(problems(dev_with("  Staging: {namespace: staging}\n")) ==
        Lines{"spec.yaml:8:3: environment name must be a DNS label: at most 63 lowercase letters, "
              "digits and '-', starting and ending with a letter or digit, not \"Staging\""});
  CHECK(problems(
            dev_with("").replace(dev_with("").find("environments:"), 0, "  namespace: shared\n")) ==
        Lines{"spec.yaml:5:14: namespace belongs to an environment, not to defaults"});
  CHECK(problems(dev_with("  prod: {namespace: dev}\n")) ==
        Lines{"spec.yaml:8:21: namespace dev is already environment dev's; each environment "
              "needs its own"});
}

TEST_CASE("service settings must exist and must not shadow the spec's own keys", "[validate]") {
  CHECK(problems(dev_with("    config: {MAX_BODY_BYTE: 1KiB}\n")) ==
        Lines{"spec.yaml:8:14: config.MAX_BODY_BYTE: is not a setting of the service "
              "(docs/configuration.md) (did you mean \"MAX_BODY_BYTES\"?)"});
  CHECK(problems(dev_with("    config: {LOG_LEVEL: debug}\n")) ==
        Lines{"spec.yaml:8:14: config.LOG_LEVEL: is derived from logLevel; set that instead"});
  CHECK(problems(dev_with("    config: {DB_POOL_SIZE: \"8\"}\n")) ==
        Lines{"spec.yaml:8:14: config.DB_POOL_SIZE: is derived from storage.postgresql.poolSize; "
              "set that instead"});
  // render passes the pin's digest; a second copy in the ConfigMap could contradict it.
  CHECK(
      problems(dev_with("    config: {IMAGE_DIGEST: \"sha256:" + std::string(64, 'a') + "\"}\n")) ==
      Lines{"spec.yaml:8:14: config.IMAGE_DIGEST: is derived from the release pin's "
            "image.digest; set that instead"});
}

TEST_CASE("every setting of the service is known, and its value read in the service's format",
          "[validate]") {
  // The settings the issue found refused: the rate limiter and the proxy hops.
  CHECK(problems(dev_with("    config: {RATE_LIMIT: \"50\", RATE_BURST: \"100.5\", "
                          "TRUSTED_PROXY_HOPS: \"1\"}\n"))
            .empty());
  CHECK(problems(dev_with("    config: {MAX_IN_FLIGHT: \"0\"}\n")) ==
        Lines{"spec.yaml:8:29: config.MAX_IN_FLIGHT must be a whole number from 1 to 1000000, "
              "not \"0\""});
  CHECK(problems(dev_with("    config: {HEADER_TIMEOUT: 0s}\n")) ==
        Lines{"spec.yaml:8:30: config.HEADER_TIMEOUT must be a duration above zero: up to six "
              "digits and a unit (ms, s, m or h), such as 500ms, 5s, 2m or 1h, not \"0s\""});
  CHECK(problems(dev_with("    config: {RATE_LIMIT: 1e6}\n")).size() == 1);
  // Hours are a duration everywhere: the service reads 1h, so validate accepts it.
  CHECK(problems(dev_with("    shutdownDelay: 0h\n    config: {IDLE_TIMEOUT: 1h}\n")).empty());
  CHECK(problems(dev_with("    storage: {sqlite: {synchronous: always}}\n")) ==
        Lines{"spec.yaml:8:37: storage.sqlite.synchronous must be one of normal, full, not "
              "\"always\""});
  CHECK(problems(dev_with("    storage: {postgresql: {poolSize: 257}}\n")) ==
        Lines{"spec.yaml:8:38: storage.postgresql.poolSize must be between 1 and 256, not 257"});
  // Every setting without a key of its own may be written under config, at its default.
  for (const auto& s : comments::config::settings()) {
    if (s.spec.key.empty() && !s.default_value.empty()) {
      CAPTURE(s.env);
      CHECK(
          problems(dev_with("    config: {" + s.env + ": \"" + s.default_value + "\"}\n")).empty());
    }
  }
  CHECK(problems(dev_with("    config: {CORS_ORIGINS: \"https://blog.example.com\"}\n")).empty());
  CHECK(problems(dev_with("    config: {CORS_ORIGINS: \"https://blog.example.com/\"}\n")).size() ==
        1);
}

TEST_CASE("SQLite runs exactly one replica", "[validate]") {
  CHECK(problems(dev_with("    replicas: 2\n")) ==
        Lines{"spec.yaml:8:15: replicas must be 1 with storage.backend sqlite: one SQLite file "
              "cannot be shared by several pods; use postgresql to run more (environment dev)"});
  CHECK(problems(dev_with("    autoscaling: {enabled: true}\n")) ==
        Lines{"spec.yaml:8:28: autoscaling needs storage.backend postgresql: SQLite runs exactly "
              "one replica (environment dev)"});
}

TEST_CASE("PostgreSQL needs the Secret holding its URL", "[validate]") {
  CHECK(problems(dev_with("    storage: {backend: postgresql}\n")) ==
        Lines{"spec.yaml:6:3: storage.postgresql.urlSecret.name is required (here or in "
              "defaults)"});
  CHECK(problems(
            dev_with("    storage: {backend: postgresql, postgresql: {urlSecret: {name: db}}}\n"))
            .empty());
}

TEST_CASE("settings that contradict each other are refused", "[validate]") {
  const std::string pg =
      "    storage: {backend: postgresql, postgresql: {urlSecret: {name: db}}}\n";
  CHECK(problems(
            dev_with(pg + "    autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 3}\n")) ==
        Lines{"spec.yaml:9:47: autoscaling.minReplicas (5) must not exceed "
              "autoscaling.maxReplicas (3) (environment dev)"});
  CHECK(problems(dev_with("    terminationGracePeriodSeconds: 15\n")) ==
        Lines{"spec.yaml:8:36: terminationGracePeriodSeconds (15) must exceed shutdownDelay + "
              "drainTimeout (5s + 10s), or Kubernetes kills in-flight requests (environment dev)"});
  CHECK(problems(dev_with("    resources: {requests: {memory: 512Mi}}\n")) ==
        Lines{"spec.yaml:8:36: resources.requests.memory (512Mi) must not exceed "
              "resources.limits.memory (256Mi) (environment dev)"});
  CHECK(problems(dev_with("    ingress: {enabled: true}\n")) ==
        Lines{"spec.yaml:6:3: ingress.host is required (here or in defaults)"});
}

TEST_CASE("the moderation tokens come from a Secret, never from config", "[validate]") {
  CHECK(problems(dev_with("    admin: {tokenSecret: comments-admin-tokens}\n")).empty());
  CHECK(problems(dev_with("    admin: {tokenSecret: Admin_Tokens}\n")) ==
        Lines{"spec.yaml:8:26: admin.tokenSecret must be a DNS name: lowercase letters, digits, "
              "'-' and '.', such as comments.example.com, not \"Admin_Tokens\""});
  // A path in config would point at a file nothing mounts.
  CHECK(problems(dev_with("    config: {ADMIN_TOKEN_FILE: /tokens}\n")) ==
        Lines{"spec.yaml:8:14: config.ADMIN_TOKEN_FILE: is derived from admin.tokenSecret; set "
              "that instead"});
}

TEST_CASE("the backup CronJob needs SQLite, a claim and a cron schedule", "[validate]") {
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: comments-backup}\n")).empty());
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: b, schedule: \"*/15 1-5 * * "
                          "MON-FRI\"}\n"))
            .empty());
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: b, schedule: \"@daily\"}\n"))
            .empty());
  CHECK(problems(dev_with("    backup: {enabled: true}\n")) ==
        Lines{"spec.yaml:6:3: backup.claimName is required (here or in defaults)"});
  CHECK(problems(
            dev_with("    backup: {enabled: true, claimName: b, schedule: \"every night\"}\n")) ==
        Lines{"spec.yaml:8:53: backup.schedule must be a cron schedule of five fields (minute hour "
              "day-of-month month day-of-week, e.g. \"0 3 * * *\") or @daily, @hourly, @weekly, "
              "..., not \"every night\""});
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: b, schedule: \"0 3 * *\"}\n"))
            .size() == 1);
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: b, keep: 30}\n")).empty());
  CHECK(problems(dev_with("    backup: {enabled: true, claimName: b, keep: 0}\n")) ==
        Lines{"spec.yaml:8:49: backup.keep must be between 1 and 10000, not 0"});
  CHECK(
      problems(dev_with("    storage: {backend: postgresql, postgresql: {urlSecret: {name: db}}}\n"
                        "    backup: {enabled: true, claimName: b}\n")) ==
      Lines{"spec.yaml:9:23: backup needs storage.backend sqlite: comments-service backup copies "
            "a SQLite file; back up PostgreSQL with pg_dump or the database's own backups "
            "(docs/operations.md, Back up, PostgreSQL) (environment dev)"});
  // Off (the default), PostgreSQL and no claim are fine.
  CHECK(
      problems(dev_with("    storage: {backend: postgresql, postgresql: {urlSecret: {name: db}}}\n"
                        "    backup: {enabled: false}\n"))
          .empty());
}

TEST_CASE("a file that is not there is reported, not thrown", "[validate]") {
  schema::Diagnostics diags;
  CHECK_FALSE(spec::load_spec("/nonexistent/comments.yaml", diags));
  CHECK(lines(diags) ==
        Lines{"/nonexistent/comments.yaml:1:1: cannot read the file: No such file or directory"});
}

TEST_CASE("the committed spec is valid", "[validate]") {
  schema::Diagnostics diags;
  const auto spec = spec::load_spec((source_dir / "k8s/comments.yaml").string(), diags);
  CHECK(lines(diags).empty());
  REQUIRE(spec);
  CHECK(spec->environment_names() == std::vector<std::string>{"dev", "local", "prod"});
}

}  // namespace commentsctl::testing

namespace commentsctl::testing {

TEST_CASE("damaged copies of the committed spec give messages, never a crash", "[validate]") {
  const std::string text = read_file(source_dir / "k8s/comments.yaml");
  int refused = 0;
  // Cut the file short at many places, and swap in characters YAML gives meaning to.
  for (std::size_t at = 0; at < text.size(); at += 7) {
    for (const std::string& damage : {std::string(), std::string("{"), std::string(": ["),
                                      std::string("\n- "), std::string("*x ")}) {
      schema::Diagnostics diags;
      const std::string damaged =
          text.substr(0, at) + damage + (damage.empty() ? "" : text.substr(at));
      std::optional<spec::Spec> spec;
      REQUIRE_NOTHROW(spec = spec::parse_spec(damaged, "spec.yaml", diags));
      if (!spec) {
        ++refused;
        REQUIRE_FALSE(diags.empty());
        for (const auto& d : diags.sorted()) {
          REQUIRE(d.line >= 1);
          REQUIRE(d.column >= 1);
        }
      }
    }
  }
  CHECK(refused > 100);
}

}  // namespace commentsctl::testing
