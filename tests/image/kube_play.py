#!/usr/bin/env python3
"""Helpers of kube_play.bats: what podman kube play needs changed, and what the test reads from
the manifests.

    kube_play.py podman FILE PORT ADMIN
                                       the objects podman runs (ConfigMap, PersistentVolumeClaim,
                                       Deployment), for the host network: container ports removed,
                                       the service's port (PORT, and probes on it) moved to PORT,
                                       the admin port (ADMIN_PORT, and probes on it) to ADMIN
    kube_play.py replacement FILE      FILE without its PersistentVolumeClaim: what a rollout
                                       replaces (the pod) while the claim stays bound (podman 4.3's
                                       `kube play --replace` refuses to create an existing volume)
    kube_play.py probe FILE KIND       "path port period threshold" of the container's KIND probe
    kube_play.py configmap FILE        the ConfigMap's KEY=VALUE lines
    kube_play.py claim FILE            the PersistentVolumeClaim's name (podman's volume)
    kube_play.py name FILE             the Deployment's name
"""
import sys

import yaml

RUNS_UNDER_PODMAN = ("ConfigMap", "PersistentVolumeClaim", "Deployment")


def load(path):
    return [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d]


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    if len(found) != 1:
        sys.exit(f"expected one {kind}, found {len(found)}")
    return found[0]


def container(docs):
    return one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def for_podman(docs, port, admin):
    out = [d for d in docs if d["kind"] in RUNS_UNDER_PODMAN]
    c = container(out)
    named = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    # (container port name, the variable holding its number, the free port it moves to)
    moves = [("http", "PORT", port), ("admin", "ADMIN_PORT", admin)]
    c.pop("ports", None)
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = c.get(kind, {}).get("httpGet")
        if get:
            for name, _, new in moves:
                if get["port"] in (name, named.get(name)):
                    get["port"] = new
                    break
            else:
                get["port"] = named.get(get["port"], get["port"])
    for cm in (d for d in out if d["kind"] == "ConfigMap"):
        data = cm.get("data", {})
        for name, variable, new in moves:
            if name in named and str(data.get(variable)) == str(named[name]):
                data[variable] = str(new)
    return out


def main():
    command, path = sys.argv[1], sys.argv[2]
    docs = load(path)
    if command == "podman":
        yaml.safe_dump_all(for_podman(docs, int(sys.argv[3]), int(sys.argv[4])), sys.stdout,
                           sort_keys=False)
    elif command == "replacement":
        yaml.safe_dump_all([d for d in docs if d["kind"] != "PersistentVolumeClaim"], sys.stdout, sort_keys=False)
    elif command == "probe":
        p = container(docs)[sys.argv[3]]
        print(p["httpGet"]["path"], p["httpGet"]["port"], p.get("periodSeconds", 10), p.get("failureThreshold", 3))
    elif command == "configmap":
        for key, value in one(docs, "ConfigMap").get("data", {}).items():
            print(f"{key}={value}")
    elif command == "claim":
        print(one(docs, "PersistentVolumeClaim")["metadata"]["name"])
    elif command == "name":
        print(one(docs, "Deployment")["metadata"]["name"])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
