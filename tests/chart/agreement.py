#!/usr/bin/env python3
"""Compares what matters to a running pod between two sets of manifests: the Helm chart's and
`commentsctl render`'s for the same settings.

    agreement.py --settings docs/settings.json HELM.yaml RENDER.yaml

Compared: the image, ports, effective environment (ConfigMap through envFrom plus env, with
values equal to the service's defaults in docs/settings.json left out), probes (Kubernetes' defaults filled
in), effective security (pod and container securityContext merged), resources, replicas and
autoscaling, strategy, volumes and their claims, shutdown timing, topology spread, scrape
annotations, the Service's type and ports, and the Ingress routes. Names, labels and selectors
are the tools' own business and not compared. Prints one line per difference and exits 1 when
there is any.
"""
import argparse
import json
import sys

import yaml

PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
                  "successThreshold": 1, "failureThreshold": 3}
# Security fields a container inherits from the pod when it does not set them itself.
INHERITED_SECURITY = ("runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile")


def load(path):
    objects = {}
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        if doc:
            objects.setdefault(doc["kind"], []).append(doc)
    return objects


def one(objects, kind, path):
    found = objects.get(kind, [])
    if len(found) != 1:
        sys.exit(f"{path}: expected one {kind}, found {len(found)}")
    return found[0]


def service_defaults(settings):
    """ENV -> default value, from docs/settings.json (generated from the settings table)."""
    return {s["env"]: s["default"] for s in json.load(open(settings, encoding="utf-8"))["settings"]}


def quantity(value):
    return str(value)


def essentials(objects, path, defaults):
    deployment = one(objects, "Deployment", path)
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    if len(pod["containers"]) != 1:
        sys.exit(f"{path}: expected one container")
    container = pod["containers"][0]
    configmaps = {c["metadata"]["name"]: c.get("data", {}) for c in objects.get("ConfigMap", [])}

    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]])
    for var in container.get("env", []):
        env[var["name"]] = var.get("value", var.get("valueFrom"))
    env = {k: v for k, v in env.items() if not (isinstance(v, str) and defaults.get(k) == v)}

    probes = {}
    for name in ("startupProbe", "livenessProbe", "readinessProbe"):
        if name in container:
            probes[name] = {**PROBE_DEFAULTS, **container[name]}

    pod_security = dict(pod.get("securityContext", {}))
    security = {key: pod_security.pop(key) for key in INHERITED_SECURITY if key in pod_security}
    security.update(container.get("securityContext", {}))

    resources = {kind: {k: quantity(v) for k, v in values.items()}
                 for kind, values in container.get("resources", {}).items()}

    claims = {c["metadata"]["name"]: c["spec"] for c in objects.get("PersistentVolumeClaim", [])}
    volumes = {}
    for volume in pod.get("volumes", []):
        claim = volume.get("persistentVolumeClaim", {}).get("claimName")
        volumes[volume["name"]] = claims.get(claim, volume) if claim else volume
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}

    hpa = objects.get("HorizontalPodAutoscaler", [{}])[0].get("spec", {})
    annotations = spec["template"]["metadata"].get("annotations", {})
    service = one(objects, "Service", path)["spec"]
    ingress = objects.get("Ingress", [{}])[0].get("spec", {})

    return {
        "image": container["image"],
        "imagePullPolicy": container.get("imagePullPolicy"),
        "ports": container.get("ports"),
        "env": env,
        "probes": probes,
        "podSecurityContext": pod_security,
        "containerSecurity": security,
        "automountServiceAccountToken": pod.get("automountServiceAccountToken"),
        "enableServiceLinks": pod.get("enableServiceLinks", True),
        "terminationGracePeriodSeconds": pod.get("terminationGracePeriodSeconds"),
        "resources": resources,
        "replicas": spec.get("replicas"),
        "autoscaling": {k: hpa.get(k) for k in ("minReplicas", "maxReplicas", "metrics")},
        "strategy": spec.get("strategy"),
        "volumes": volumes,
        "volumeMounts": mounts,
        "topologySpread": [{k: t[k] for k in ("maxSkew", "topologyKey", "whenUnsatisfiable")}
                           for t in pod.get("topologySpreadConstraints", [])],
        "scrapeAnnotations": {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")},
        "service": {"type": service.get("type", "ClusterIP"), "ports": service["ports"]},
        "ingress": {"ingressClassName": ingress.get("ingressClassName"), "tls": ingress.get("tls"),
                    "rules": ingress.get("rules")},
        "serviceMonitor": bool(objects.get("ServiceMonitor")),
    }


def differences(a, b, prefix=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from differences(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
    elif a != b:
        yield prefix, a, b


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", required=True, help="docs/settings.json")
    parser.add_argument("helm", help="output of helm template")
    parser.add_argument("render", help="output of commentsctl render")
    args = parser.parse_args()
    defaults = service_defaults(args.settings)
    if "SHUTDOWN_DELAY" not in defaults:
        sys.exit(f"{args.settings}: no settings found")
    helm = essentials(load(args.helm), args.helm, defaults)
    render = essentials(load(args.render), args.render, defaults)
    found = list(differences(helm, render))
    def show(value):
        return "(unset)" if value is None else json.dumps(value, sort_keys=True)

    for path, h, r in found:
        print(f"{path}: helm {show(h)} != render {show(r)}")
    print(f"{len(found)} differences in {len(helm)} compared fields")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
