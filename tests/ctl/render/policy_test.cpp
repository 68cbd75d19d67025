// The hardening every rendered workload must have, checked on every spec the tests know.
#include <catch2/catch.hpp>

#include "schema/formats.hpp"
#include "service/config/values.hpp"
#include "support.hpp"

namespace commentsctl::testing {
namespace {

void check_security_context(const YAML::Node& sc) {
  REQUIRE(sc.IsMap());
  CHECK(sc["runAsNonRoot"].as<bool>());
  CHECK(sc["runAsUser"].as<int>() == 65532);
  CHECK(sc["runAsGroup"].as<int>() == 65532);
  CHECK(sc["seccompProfile"]["type"].as<std::string>() == "RuntimeDefault");
}

void check_probe(const YAML::Node& probe, const std::string& path) {
  REQUIRE(probe.IsMap());
  CHECK(probe["httpGet"]["path"].as<std::string>() == path);
  // The admin listener: held connections on http cannot starve the probes.
  CHECK(probe["httpGet"]["port"].as<std::string>() == "admin");
  CHECK(probe["periodSeconds"].as<int>() > 0);
  CHECK(probe["failureThreshold"].as<int>() > 0);
}

}  // namespace

TEST_CASE("every rendered workload is hardened", "[policy]") {
  for (const auto& c : all_cases()) {
    const auto docs = render_docs(c.spec, c.env);
    schema::Diagnostics diags;
    const auto spec = spec::load_spec(c.spec.string(), diags);
    const auto& env = *spec->find(c.env);
    int workloads = 0;
    for (const auto& doc : docs) {
      if (doc["kind"].as<std::string>() != "Deployment") {
        continue;
      }
      ++workloads;
      INFO(c.spec.filename().string()
           << " " << c.env << " " << doc["metadata"]["name"].as<std::string>());
      const YAML::Node& deployment = doc["spec"];
      const YAML::Node& pod = deployment["template"]["spec"];
      check_security_context(pod["securityContext"]);
      CHECK_FALSE(pod["automountServiceAccountToken"].as<bool>());
      const auto strategy = deployment["strategy"]["type"].as<std::string>();
      if (env.storage.backend.value == spec::Backend::Sqlite) {
        CHECK(strategy == "Recreate");
        CHECK(deployment["replicas"].as<int>() == 1);
      } else {
        CHECK(strategy == "RollingUpdate");
        CHECK(deployment["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>() == 0);
      }
      // Kubernetes must wait longer than the shutdown delay plus the drain timeout.
      const auto& duration = comments::config::duration();
      const auto shutdown = *duration.parse(env.setting("SHUTDOWN_DELAY")->value) +
                            *duration.parse(env.setting("DRAIN_TIMEOUT")->value);
      CHECK(std::chrono::seconds(pod["terminationGracePeriodSeconds"].as<int>()) > shutdown);
      const auto annotations = deployment["template"]["metadata"]["annotations"];
      CHECK(annotations["prometheus.io/scrape"].as<std::string>() == "true");
      CHECK(annotations["checksum/config"].as<std::string>().size() == 64);
      REQUIRE(pod["containers"].size() == 1);
      for (const auto& container : pod["containers"]) {
        const YAML::Node& sc = container["securityContext"];
        check_security_context(sc);
        CHECK(sc["readOnlyRootFilesystem"].as<bool>());
        CHECK_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
        REQUIRE(sc["capabilities"]["drop"].size() == 1);
        CHECK(sc["capabilities"]["drop"][0].as<std::string>() == "ALL");
        check_probe(container["startupProbe"], "/healthz");
        check_probe(container["livenessProbe"], "/healthz");
        check_probe(container["readinessProbe"], "/readyz");
        for (const char* kind : {"requests", "limits"}) {
          CHECK_FALSE(container["resources"][kind]["cpu"].as<std::string>().empty());
          CHECK_FALSE(container["resources"][kind]["memory"].as<std::string>().empty());
        }
        const auto image = container["image"].as<std::string>();
        CHECK(image.find(":latest") == std::string::npos);
        if (env.require_digest.value) {
          CHECK(image.find("@sha256:") != std::string::npos);
        }
        CHECK(container["ports"][0]["name"].as<std::string>() == "http");
        // Every writable path is a volume: the root filesystem is read-only. The data volume is
        // the only writable one; the moderation tokens' Secret is mounted read-only.
        for (const auto& mount : container["volumeMounts"]) {
          if (mount["mountPath"].as<std::string>() != "/var/lib/comments") {
            CHECK(mount["readOnly"].as<bool>(false));
          }
        }
      }
    }
    CHECK(workloads == 1);
  }
}

TEST_CASE("prod runs by digest", "[policy]") {
  const auto docs = render_docs(source_dir / "k8s/comments.yaml", "prod");
  const auto image =
      find_kind(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"];
  CHECK(image.as<std::string>().starts_with("registry.example.com/comments/prod@sha256:"));
}

}  // namespace commentsctl::testing
