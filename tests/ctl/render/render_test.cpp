// What render produces for each shape of environment, read back as YAML.
#include "commands/render.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "support.hpp"

namespace commentsctl::testing {
namespace {

using Strings = std::vector<std::string>;

YAML::Node pod_of(const std::vector<YAML::Node>& docs) {
  return find_kind(docs, "Deployment")["spec"]["template"]["spec"];
}

std::string config_value(const std::vector<YAML::Node>& docs, const std::string& key) {
  const auto data = find_kind(docs, "ConfigMap")["data"];
  return data[key] ? data[key].as<std::string>() : "<absent>";
}

}  // namespace

TEST_CASE("SQLite: one replica, a volume at the data path, Recreate, image by tag", "[render]") {
  const auto docs = render_docs(source_dir / "k8s/comments.yaml", "dev");
  CHECK(kinds(docs) == Strings{"Namespace", "ServiceAccount", "ConfigMap", "PersistentVolumeClaim",
                               "Service", "Deployment", "NetworkPolicy", "Ingress"});
  CHECK(config_value(docs, "STORAGE_URL") == "sqlite:/var/lib/comments/comments.db");
  CHECK(config_value(docs, "LOG_LEVEL") == "debug");
  CHECK(config_value(docs, "SHUTDOWN_DELAY") == "5s");
  CHECK(config_value(docs, "DRAIN_TIMEOUT") == "10s");
  CHECK(config_value(docs, "PORT") == "8000");
  const auto pod = pod_of(docs);
  CHECK(pod["containers"][0]["image"].as<std::string>() ==
        "registry.example.com/comments/dev:0.1.0-5a141f4");
  CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as<std::string>() ==
        "comments-data");
  CHECK(pod["containers"][0]["volumeMounts"][0]["mountPath"].as<std::string>() ==
        "/var/lib/comments");
  CHECK(pod["terminationGracePeriodSeconds"].as<int>() == 30);
  CHECK_FALSE(pod["topologySpreadConstraints"]);
  CHECK(find_kind(docs, "PersistentVolumeClaim")["spec"]["resources"]["requests"]["storage"]
            .as<std::string>() == "1Gi");
}

TEST_CASE("PostgreSQL under an autoscaler: URL from the Secret, no fixed replicas", "[render]") {
  const auto docs = render_docs(source_dir / "k8s/comments.yaml", "prod");
  CHECK(kinds(docs) == Strings{"Namespace", "ServiceAccount", "ConfigMap", "Service", "Deployment",
                               "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
                               "Ingress", "ServiceMonitor"});
  CHECK(config_value(docs, "STORAGE_URL") == "<absent>");
  const auto deployment = find_kind(docs, "Deployment");
  CHECK_FALSE(deployment["spec"]["replicas"]);
  // The pin's digest first, for /version (what `commentsctl verify` checks), then the URL.
  const auto digest = pod_of(docs)["containers"][0]["env"][0];
  CHECK(digest["name"].as<std::string>() == "IMAGE_DIGEST");
  CHECK(digest["value"].as<std::string>().starts_with("sha256:"));
  const auto env = pod_of(docs)["containers"][0]["env"][1];
  CHECK(env["name"].as<std::string>() == "STORAGE_URL");
  CHECK(env["valueFrom"]["secretKeyRef"]["name"].as<std::string>() == "comments-postgresql");
  CHECK(env["valueFrom"]["secretKeyRef"]["key"].as<std::string>() == "url");
  CHECK_FALSE(pod_of(docs)["volumes"]);
  CHECK(pod_of(docs)["topologySpreadConstraints"][0]["topologyKey"].as<std::string>() ==
        "kubernetes.io/hostname");
  const auto hpa = find_kind(docs, "HorizontalPodAutoscaler")["spec"];
  CHECK(hpa["minReplicas"].as<int>() == 3);
  CHECK(hpa["maxReplicas"].as<int>() == 10);
  CHECK(hpa["scaleTargetRef"]["name"].as<std::string>() == "comments");
  const auto tls = find_kind(docs, "Ingress")["spec"]["tls"][0];
  CHECK(tls["secretName"].as<std::string>() == "comments-example-com-tls");
  const auto from = find_kind(docs, "NetworkPolicy")["spec"]["ingress"][0]["from"];
  REQUIRE(from.size() == 2);
  CHECK(from[1]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            .as<std::string>() == "ingress-nginx");
}

TEST_CASE("the moderation tokens' Secret is mounted read-only and named by ADMIN_TOKEN_FILE",
          "[render]") {
  // PostgreSQL: the tokens are the pod's only volume.
  const auto docs = render_docs(specs_dir / "postgresql-autoscaling.yaml", "prod");
  CHECK(config_value(docs, "ADMIN_TOKEN_FILE") == "/var/run/secrets/comments-admin/tokens");
  const auto pod = pod_of(docs);
  REQUIRE(pod["volumes"].size() == 1);
  const auto secret = pod["volumes"][0]["secret"];
  CHECK(pod["volumes"][0]["name"].as<std::string>() == "admin-tokens");
  CHECK(secret["secretName"].as<std::string>() == "comments-admin-tokens");
  CHECK(secret["items"][0]["key"].as<std::string>() == "tokens");
  CHECK(secret["items"][0]["path"].as<std::string>() == "tokens");
  CHECK(secret["defaultMode"].as<int>() == 0440);
  const auto mounts = pod["containers"][0]["volumeMounts"];
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0]["mountPath"].as<std::string>() == "/var/run/secrets/comments-admin");
  CHECK(mounts[0]["readOnly"].as<bool>());
  // SQLite: beside the data volume.
  const auto sqlite = pod_of(render_docs(specs_dir / "sqlite-everything.yaml", "guestbook"));
  CHECK(sqlite["volumes"].size() == 2);
  CHECK(sqlite["containers"][0]["volumeMounts"].size() == 2);
  // No Secret named: no mount, no variable (the moderation API answers 404).
  const auto dev = render_docs(source_dir / "k8s/comments.yaml", "dev");
  CHECK(config_value(dev, "ADMIN_TOKEN_FILE") == "<absent>");
  CHECK(pod_of(dev)["volumes"].size() == 1);
}

TEST_CASE("the backup CronJob copies the data claim beside the service's pod, hardened alike",
          "[render]") {
  const auto docs = render_docs(specs_dir / "sqlite-everything.yaml", "guestbook");
  const auto cron = find_kind(docs, "CronJob");
  CHECK(cron["metadata"]["name"].as<std::string>() == "guestbook-backup");
  CHECK(cron["spec"]["schedule"].as<std::string>() == "30 2 * * *");
  CHECK(cron["spec"]["concurrencyPolicy"].as<std::string>() == "Forbid");
  const auto pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  const auto c = pod["containers"][0];
  CHECK(c["image"].as<std::string>() == pod_of(docs)["containers"][0]["image"].as<std::string>());
  // Dated copies, the spec's backup.keep of them.
  CHECK(c["args"].as<Strings>() == Strings{"backup", "--storage",
                                           "sqlite:/var/lib/comments/comments.db", "--to-dir",
                                           "/backup", "--keep", "14"});
  // The same claim as the service, and the backup claim.
  CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as<std::string>() ==
        "guestbook-data");
  CHECK(pod["volumes"][1]["persistentVolumeClaim"]["claimName"].as<std::string>() ==
        "guestbook-backups");
  CHECK(c["volumeMounts"][0]["mountPath"].as<std::string>() == "/var/lib/comments");
  CHECK(c["volumeMounts"][1]["mountPath"].as<std::string>() == "/backup");
  // ReadWriteOnce: on the node of the service's pod, which carries the selector labels.
  const auto term =
      pod["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
  CHECK(term["topologyKey"].as<std::string>() == "kubernetes.io/hostname");
  const auto selector = find_kind(docs, "Deployment")["spec"]["selector"]["matchLabels"];
  CHECK(YAML::Dump(term["labelSelector"]["matchLabels"]) == YAML::Dump(selector));
  // ...while the backup's own pod must not match that selector (the Service would route to it).
  const auto labels = cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"];
  CHECK(labels["app.kubernetes.io/name"].as<std::string>() == "guestbook-backup");
  CHECK(labels["app.kubernetes.io/component"].as<std::string>() == "backup");
  // The Deployment's hardening, exactly.
  const auto service_pod = pod_of(docs);
  CHECK(YAML::Dump(pod["securityContext"]) == YAML::Dump(service_pod["securityContext"]));
  CHECK(YAML::Dump(c["securityContext"]) ==
        YAML::Dump(service_pod["containers"][0]["securityContext"]));
  CHECK(c["securityContext"]["runAsUser"].as<int>() == 65532);
  CHECK(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  CHECK(pod["automountServiceAccountToken"].as<bool>() == false);
  // Off by default.
  const auto minimal = kinds(render_docs(specs_dir / "sqlite-minimal.yaml", "test"));
  CHECK(std::find(minimal.begin(), minimal.end(), "CronJob") == minimal.end());
}

namespace {

// What each port is open to, as one line per fact: the Ingress paths and their backend port,
// the probes' and the scrape ports, and each NetworkPolicy rule's port with its sources.
Strings exposure(const std::vector<YAML::Node>& docs) {
  Strings out;
  for (const auto& doc : docs) {
    const auto kind = doc["kind"].as<std::string>();
    if (kind == "Ingress") {
      for (const auto& rule : doc["spec"]["rules"]) {
        for (const auto& p : rule["http"]["paths"]) {
          out.push_back("ingress " + p["path"].as<std::string>() + " " +
                        p["pathType"].as<std::string>() + " -> " +
                        p["backend"]["service"]["port"]["name"].as<std::string>());
        }
      }
    } else if (kind == "Deployment") {
      const auto c = doc["spec"]["template"]["spec"]["containers"][0];
      for (const char* probe : {"startupProbe", "livenessProbe", "readinessProbe"}) {
        out.push_back(std::string(probe) + " " + c[probe]["httpGet"]["port"].as<std::string>());
      }
      out.push_back("scrape annotation " +
                    doc["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
                        .as<std::string>());
    } else if (kind == "ServiceMonitor") {
      out.push_back("scrape " + doc["spec"]["endpoints"][0]["port"].as<std::string>());
    } else if (kind == "NetworkPolicy") {
      for (const auto& rule : doc["spec"]["ingress"]) {
        std::string from = rule["from"] ? "" : " any";
        for (const auto& peer : rule["from"]) {
          from +=
              peer["podSelector"]
                  ? " own-namespace"
                  : " " + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                              .as<std::string>();
        }
        out.push_back("policy " + rule["ports"][0]["port"].as<std::string>() + " from" + from);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("only /api/ is public; probes and scraping use the admin port", "[render]") {
  CHECK(exposure(render_docs(source_dir / "k8s/comments.yaml", "dev")) ==
        Strings{"startupProbe admin", "livenessProbe admin", "readinessProbe admin",
                "scrape annotation 9090", "policy http from any", "policy admin from own-namespace",
                "ingress /api/ Prefix -> http"});
  CHECK(exposure(render_docs(source_dir / "k8s/comments.yaml", "prod")) ==
        Strings{"startupProbe admin", "livenessProbe admin", "readinessProbe admin",
                "scrape annotation 9090", "policy http from own-namespace ingress-nginx",
                "policy admin from own-namespace monitoring", "ingress /api/ Prefix -> http",
                "scrape admin"});
  const auto docs = render_docs(source_dir / "k8s/comments.yaml", "prod");
  CHECK(config_value(docs, "ADMIN_PORT") == "9090");
  const auto ports = pod_of(docs)["containers"][0]["ports"];
  REQUIRE(ports.size() == 2);
  CHECK(ports[1]["name"].as<std::string>() == "admin");
  CHECK(ports[1]["containerPort"].as<int>() == 9090);
  const auto service_ports = find_kind(docs, "Service")["spec"]["ports"];
  REQUIRE(service_ports.size() == 2);
  CHECK(service_ports[1]["name"].as<std::string>() == "admin");
  CHECK(service_ports[1]["targetPort"].as<std::string>() == "admin");
}

TEST_CASE("a fixed replica count gets a disruption budget and no autoscaler", "[render]") {
  const auto docs = render_docs(specs_dir / "postgresql-replicas.yaml", "test");
  CHECK(find_kind(docs, "Deployment")["spec"]["replicas"].as<int>() == 3);
  CHECK(find_kind(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"].as<int>() == 1);
  const auto k = kinds(docs);
  CHECK(std::find(k.begin(), k.end(), "HorizontalPodAutoscaler") == k.end());
  CHECK(pod_of(docs)["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["key"]
            .as<std::string>() == "DATABASE_URL");
}

TEST_CASE("an autoscaler that may scale to one pod gets no disruption budget", "[render]") {
  const auto k = kinds(render_docs(specs_dir / "postgresql-autoscaling.yaml", "prod"));
  CHECK(std::find(k.begin(), k.end(), "PodDisruptionBudget") == k.end());
  CHECK(std::find(k.begin(), k.end(), "HorizontalPodAutoscaler") != k.end());
}

TEST_CASE("the port, storage class and extra settings follow the spec", "[render]") {
  const auto docs = render_docs(specs_dir / "sqlite-everything.yaml", "guestbook");
  const auto pod = pod_of(docs);
  CHECK(pod["containers"][0]["ports"][0]["containerPort"].as<int>() == 9000);
  CHECK(find_kind(docs, "Service")["spec"]["ports"][0]["port"].as<int>() == 9000);
  CHECK(find_kind(docs,
                  "Deployment")["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
            .as<std::string>() == "9191");
  CHECK(config_value(docs, "PORT") == "9000");
  CHECK(config_value(docs, "ADMIN_PORT") == "9191");
  CHECK(pod["containers"][0]["ports"][1]["containerPort"].as<int>() == 9191);
  CHECK(find_kind(docs, "Service")["spec"]["ports"][1]["port"].as<int>() == 9191);
  CHECK(config_value(docs, "SQLITE_SYNCHRONOUS") == "full");
  CHECK(config_value(docs, "LIST_CACHE_BYTES") == "0");
  CHECK(config_value(docs, "LOG_FORMAT") == "text");
  CHECK(pod["terminationGracePeriodSeconds"].as<int>() == 10);
  CHECK(find_kind(docs, "PersistentVolumeClaim")["spec"]["storageClassName"].as<std::string>() ==
        "fast-ssd");
  CHECK(find_kind(docs, "ServiceMonitor")["spec"]["endpoints"][0]["interval"].as<std::string>() ==
        "15s");
  const auto labels = find_kind(docs, "Service")["metadata"]["labels"];
  CHECK(labels["app.kubernetes.io/name"].as<std::string>() == "guestbook");
  CHECK(labels["app.kubernetes.io/part-of"].as<std::string>() == "website");
  CHECK(labels["app.kubernetes.io/version"].as<std::string>() == "v2.0.0-rc.1");
  CHECK(labels["app.kubernetes.io/instance"].as<std::string>() == "guestbook-guestbook");
}

TEST_CASE("every object carries the common labels and the environment's namespace", "[render]") {
  for (const auto& c : all_cases()) {
    schema::Diagnostics diags;
    const auto spec = spec::load_spec(c.spec.string(), diags);
    for (const auto& doc : render_docs(c.spec, c.env)) {
      INFO(c.spec.filename().string() << " " << doc["kind"].as<std::string>());
      const auto meta = doc["metadata"];
      CHECK(meta["labels"]["app.kubernetes.io/managed-by"].as<std::string>() == "commentsctl");
      CHECK(meta["labels"]["app.kubernetes.io/component"].as<std::string>() == "server");
      const std::string ns = spec->find(c.env)->ns.value;
      if (doc["kind"].as<std::string>() == "Namespace") {
        CHECK(meta["name"].as<std::string>() == ns);
      } else {
        CHECK(meta["namespace"].as<std::string>() == ns);
      }
    }
  }
}

TEST_CASE("a configuration change changes the pod template, so pods roll", "[render]") {
  TempDir dir;
  const std::string text = read_file(specs_dir / "sqlite-minimal.yaml");
  write_file(dir.path() / "releases/test.yaml", read_file(specs_dir / "releases/test.yaml"));
  auto checksum = [&](const std::string& spec_text) {
    write_file(dir.path() / "comments.yaml", spec_text);
    return find_kind(render_docs(dir.path() / "comments.yaml", "test"),
                     "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        .as<std::string>();
  };
  const auto before = checksum(text);
  CHECK(checksum(text + "    logLevel: warn\n") != before);
  CHECK(checksum(text + "    replicas: 1\n") == before);
}

TEST_CASE("the renderer's output for each spec variation matches its golden file", "[render]") {
  for (const auto& c : all_cases()) {
    if (c.spec.parent_path() != specs_dir) {
      continue;  // the committed spec's golden files are k8s/rendered/, tested apart
    }
    const auto golden = specs_dir / "golden" / (c.spec.stem().string() + "." + c.env + ".yaml");
    INFO("regenerate with: commentsctl --spec " << c.spec.string() << " render " << c.env << " > "
                                                << golden.string());
    CHECK(render_text(c.spec, c.env) == read_file(golden));
  }
}

TEST_CASE("render --out writes one file per object, in apply order", "[render]") {
  TempDir dir;
  commands::GlobalOptions global;
  global.spec_path = (source_dir / "k8s/comments.yaml").string();
  commands::RenderOptions options{"dev", (dir.path() / "out").string()};
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(commands::run_render(global, options, out, err) == 0);
  CHECK(err.str().empty());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "out")) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  CHECK(names == Strings{"01-namespace-comments-dev.yaml", "02-serviceaccount-comments.yaml",
                         "03-configmap-comments-config.yaml",
                         "04-persistentvolumeclaim-comments-data.yaml", "05-service-comments.yaml",
                         "06-deployment-comments.yaml", "07-networkpolicy-comments.yaml",
                         "08-ingress-comments.yaml"});
  const auto deployment = YAML::LoadFile((dir.path() / "out/06-deployment-comments.yaml").string());
  CHECK(deployment["kind"].as<std::string>() == "Deployment");
}

}  // namespace commentsctl::testing
