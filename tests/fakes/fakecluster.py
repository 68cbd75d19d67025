"""The state and the work behind the fake minikube, kubectl and helm of tests/fakes/bin (see
README.md): a "cluster" is a folder of applied objects, the images its node holds, and pods that
are real containers run by podman from those images with the environment of the manifests.

Nothing here is the project's code under test: it stands in for a Kubernetes cluster, which
cannot run on these machines, as faithfully as the tests need (the objects are validated against
the Kubernetes schemas; a pod runs only when its image, ConfigMaps, Secrets and claims exist; a
port-forward reaches the pod or fails as kubectl does).
"""
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VALIDATOR = os.path.join(ROOT, "tests", "k8s-schema", "validate.mjs")

KUBECTL_VERSION = "v1.32.0"
MINIKUBE_VERSION = "v1.34.0"
K8S_VERSION = "v1.31.0"

# Cluster-scoped kinds among those the project applies; every other kind lives in a namespace.
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                  "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass"}
# Served by a cluster only once a CRD installs them (kube-prometheus-stack does).
CRD_GROUPS = {"monitoring.coreos.com"}


class Failure(Exception):
    """Ends the fake command: `message` on stderr, exit `code` (as the real tool would)."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def run_main(main):
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as e:
        if str(e):
            print(str(e), file=sys.stderr)
        sys.exit(e.code)
    except KeyboardInterrupt:
        sys.exit(130)


# ---- where things live ------------------------------------------------------------------------

def state_root():
    return os.environ.get("FAKE_CLUSTER_DIR") or os.path.join(os.path.expanduser("~"), ".fake-minikube")


def kubeconfig_path():
    paths = os.environ.get("KUBECONFIG", "")
    if paths:
        return paths.split(":")[0]
    return os.path.join(os.path.expanduser("~"), ".kube", "config")


def load_kubeconfig(path=None):
    path = path or kubeconfig_path()
    try:
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f) or {}
    except FileNotFoundError:
        config = {}
    for key in ("clusters", "contexts", "users"):
        config.setdefault(key, []) if isinstance(config.get(key), list) else config.__setitem__(key, [])
    config.setdefault("apiVersion", "v1")
    config.setdefault("kind", "Config")
    config.setdefault("current-context", "")
    return config


def save_kubeconfig(config, path=None):
    path = path or kubeconfig_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    os.replace(tmp, path)


def podman_env():
    """The environment podman needs on this kind of machine (scripts/image.sh prepares it)."""
    env = dict(os.environ)
    if not env.get("CONTAINERS_CONF"):
        out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "image.sh"), "--engine", "podman",
                              "--print-env"], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env


def podman(*args, check=False, capture=True, env=None):
    result = subprocess.run(["podman", *args], capture_output=capture, text=True, env=env or podman_env())
    if check and result.returncode != 0:
        raise Failure(f"podman {' '.join(args[:2])} failed: {(result.stderr or '').strip()}")
    return result


def is_loopback_host(registry):
    host = registry.rsplit(":", 1)[0] if not registry.startswith("[") else registry[1:registry.find("]")]
    return host == "localhost" or host.startswith("127.") or host == "::1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_duration(text):
    """kubectl's --timeout: 90s, 5m, 1h, 1m30s, or a bare number of seconds; 0 waits forever."""
    if re.fullmatch(r"\d+", text):
        return float(text)
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise Failure(f'error: invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    return total


# ---- a cluster --------------------------------------------------------------------------------

class Cluster:
    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(state_root(), name)

    # -- lifecycle (minikube) --
    def exists(self):
        return os.path.isfile(os.path.join(self.dir, "cluster.json"))

    def info(self):
        with open(os.path.join(self.dir, "cluster.json"), encoding="utf-8") as f:
            return json.load(f)

    def save_info(self, info):
        os.makedirs(self.dir, exist_ok=True)
        write_json(os.path.join(self.dir, "cluster.json"), info)

    def running(self):
        return self.exists() and self.info().get("running", False)

    # -- API objects --
    def object_path(self, kind, namespace, name):
        return os.path.join(self.dir, "objects", namespace or "_cluster", kind, name + ".json")

    def get(self, kind, namespace, name):
        try:
            with open(self.object_path(kind, namespace, name), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def put(self, obj, namespace):
        write_json(self.object_path(obj["kind"], namespace, obj["metadata"]["name"]), obj)

    def list(self, kind, namespace):
        folder = os.path.join(self.dir, "objects", namespace or "_cluster", kind)
        if not os.path.isdir(folder):
            return []
        out = []
        for entry in sorted(os.listdir(folder)):
            with open(os.path.join(folder, entry), encoding="utf-8") as f:
                out.append(json.load(f))
        return out

    def served_groups(self):
        return set(self.info().get("crdGroups", []))

    # -- the node's images --
    def images(self):
        try:
            with open(os.path.join(self.dir, "images.json"), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def add_image(self, ref, image_id):
        images = self.images()
        images[ref] = image_id
        write_json(os.path.join(self.dir, "images.json"), images)

    # -- pods: one per Deployment, a podman container --
    def pod_path(self, namespace, deployment):
        return os.path.join(self.dir, "pods", namespace, deployment + ".json")

    def pod(self, namespace, deployment):
        try:
            with open(self.pod_path(namespace, deployment), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def save_pod(self, namespace, deployment, pod):
        write_json(self.pod_path(namespace, deployment), pod)

    def all_pods(self):
        root = os.path.join(self.dir, "pods")
        for ns in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            for entry in sorted(os.listdir(os.path.join(root, ns))):
                yield ns, entry[:-5]

    def container_name(self, namespace, deployment, generation):
        return f"fake-{self.name}-{namespace}-{deployment}-{generation}"

    def volume_path(self, namespace, claim):
        return os.path.join(self.dir, "volumes", namespace, claim)

    def delete_everything(self):
        for ns, deployment in list(self.all_pods()):
            stop_pod(self, ns, deployment, grace=0)
        shutil.rmtree(self.dir, ignore_errors=True)


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


# ---- pods ------------------------------------------------------------------------------------

def fault_env():
    """FAKE_POD_ENV="K=V ...": extra environment for every pod, to inject faults (a release that
    cannot start: LOG_LEVEL=unusable). Part of the template hash, so setting it replaces pods."""
    return dict(item.split("=", 1) for item in os.environ.get("FAKE_POD_ENV", "").split() if "=" in item)


def template_hash(deployment):
    text = json.dumps([deployment["spec"]["template"], fault_env()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def container_running(pod):
    if not pod or not pod.get("container"):
        return False
    out = podman("inspect", "--format", "{{.State.Running}}", pod["container"])
    return out.returncode == 0 and out.stdout.strip() == "true"


def stop_pod(cluster, namespace, deployment, grace=30):
    pod = cluster.pod(namespace, deployment)
    if pod and pod.get("container"):
        podman("stop", "-t", str(grace), pod["container"])
        podman("rm", "-f", pod["container"])
    try:
        os.remove(cluster.pod_path(namespace, deployment))
    except FileNotFoundError:
        pass


def ensure_image(cluster, image, policy):
    """The podman image id the node runs for `image`, pulling it when the policy says so;
    raises Failure with the kubelet's reason when it cannot."""
    images = cluster.images()
    if policy != "Always" and image in images:
        return images[image]
    if policy == "Never":
        raise Failure(f'ErrImageNeverPull: Container image "{image}" is not present with pull policy of Never')
    ref = image
    registry = ref.split("/", 1)[0] if "/" in ref and re.search(r"[.:]|^localhost$", ref.split("/", 1)[0]) else "docker.io"
    args = ["pull", "--quiet"]
    if is_loopback_host(registry):
        args.append("--tls-verify=false")  # like containerd's default for a loopback registry
    if registry == "localhost" and "/" in ref:
        # podman's "localhost/" is its own store; a node would ask a registry on localhost:443.
        raise Failure(f'ErrImagePull: failed to pull image "{image}": dial tcp 127.0.0.1:443: connect: connection refused')
    out = podman(*args, ref)
    if out.returncode != 0:
        reason = (out.stderr or "").strip().splitlines()
        raise Failure(f'ErrImagePull: failed to pull image "{image}": {reason[-1] if reason else "unknown error"}')
    image_id = out.stdout.strip().splitlines()[-1]
    cluster.add_image(image, image_id)
    return image_id


def resolve_env(cluster, namespace, container):
    env = {}
    for source in container.get("envFrom", []):
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            ref = source["configMapRef"]
            cm = cluster.get("ConfigMap", namespace, ref["name"])
            if cm is None:
                if ref.get("optional"):
                    continue
                raise Failure(f'CreateContainerConfigError: configmap "{ref["name"]}" not found')
            env.update({prefix + k: str(v) for k, v in (cm.get("data") or {}).items()})
        if "secretRef" in source:
            ref = source["secretRef"]
            secret = cluster.get("Secret", namespace, ref["name"])
            if secret is None:
                if ref.get("optional"):
                    continue
                raise Failure(f'CreateContainerConfigError: secret "{ref["name"]}" not found')
            env.update({prefix + k: v for k, v in secret_data(secret).items()})
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        source = var.get("valueFrom", {})
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            secret = cluster.get("Secret", namespace, ref["name"])
            data = secret_data(secret) if secret else None
            if data is None or ref["key"] not in data:
                if ref.get("optional"):
                    continue
                what = f'secret "{ref["name"]}" not found' if data is None else \
                    f'couldn\'t find key {ref["key"]} in Secret {namespace}/{ref["name"]}'
                raise Failure(f"CreateContainerConfigError: {what}")
            env[var["name"]] = data[ref["key"]]
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            cm = cluster.get("ConfigMap", namespace, ref["name"])
            data = (cm or {}).get("data") or {}
            if ref["key"] not in data:
                if ref.get("optional"):
                    continue
                raise Failure(f'CreateContainerConfigError: configmap "{ref["name"]}" key {ref["key"]} not found')
            env[var["name"]] = str(data[ref["key"]])
        elif "fieldRef" in source:
            path = source["fieldRef"]["fieldPath"]
            env[var["name"]] = {"metadata.namespace": namespace, "status.podIP": "127.0.0.1",
                                "spec.nodeName": cluster.name}.get(path, "")
        else:
            raise Failure(f"CreateContainerConfigError: env {var['name']}: source not emulated")
    return env


def secret_data(secret):
    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update({k: str(v) for k, v in (secret.get("stringData") or {}).items()})
    return data


def start_pod(cluster, namespace, deployment, generation=None):
    """Creates the pod of `deployment` as it is now: a container, or a recorded reason why not.
    Each pod of a Deployment has a new generation, so its name and container are new."""
    template = deployment["spec"]["template"]
    spec = template["spec"]
    name = deployment["metadata"]["name"]
    if generation is None:
        generation = (cluster.pod(namespace, name) or {}).get("generation", 0) + 1
    pod = {"deployment": name, "hash": template_hash(deployment), "generation": generation,
           "name": f"{name}-{template_hash(deployment)}-{generation}", "container": "", "ports": {},
           "status": "Pending", "reason": "", "restarts": 0, "labels": template["metadata"].get("labels", {}),
           "triedAt": time.time()}
    containers = spec.get("containers", [])
    if len(containers) != 1:
        pod["reason"] = "the fake runs pods of exactly one container"
        cluster.save_pod(namespace, name, pod)
        return pod
    c = containers[0]
    try:
        image_id = ensure_image(cluster, c["image"], c.get("imagePullPolicy", "IfNotPresent"))
        env = {**resolve_env(cluster, namespace, c), **fault_env()}
        args = run_args(cluster, namespace, deployment, c, pod, env)
    except Failure as e:
        pod["reason"] = str(e)
        cluster.save_pod(namespace, name, pod)
        return pod
    container = cluster.container_name(namespace, name, generation)
    podman("rm", "-f", container)
    out = podman("run", "-d", "--name", container, "--label", f"fake-cluster={cluster.name}", *args,
                 image_id, *c.get("args", []))
    if out.returncode != 0:
        pod["reason"] = f"RunContainerError: {(out.stderr or '').strip()}"
    else:
        pod["container"] = container
        pod["status"] = "Running"
        pod["image"] = c["image"]
        pod["run"] = args + [image_id] + c.get("args", [])
    cluster.save_pod(namespace, name, pod)
    return pod


def run_args(cluster, namespace, deployment, c, pod, env):
    spec = deployment["spec"]["template"]["spec"]
    pod_security = spec.get("securityContext", {})
    security = {**{k: v for k, v in pod_security.items() if k in ("runAsUser", "runAsGroup", "runAsNonRoot")},
                **c.get("securityContext", {})}
    args = []
    # Pods share the host network here: each container port gets a free host port, like a pod's
    # own IP would, and a variable naming that port number (PORT=8000) is given the host port.
    for port in c.get("ports", []):
        host_port = free_port()
        pod["ports"][str(port["containerPort"])] = host_port
        if port.get("name"):
            pod["ports"][port["name"]] = host_port
    for key, value in list(env.items()):
        if key.endswith("PORT") and value in pod["ports"] and value.isdigit():
            env[key] = str(pod["ports"][value])
    for key, value in sorted(env.items()):
        args += ["--env", f"{key}={value}"]
    if "runAsUser" in security:
        args += ["--user", f"{security['runAsUser']}:{security.get('runAsGroup', security['runAsUser'])}"]
    elif security.get("runAsNonRoot"):
        user = podman("image", "inspect", "--format", "{{.Config.User}}", c["image"]).stdout.strip()
        if user in ("", "0", "root") or user.startswith(("0:", "root:")):
            raise Failure("CreateContainerConfigError: container has runAsNonRoot and image will run as root")
    if security.get("readOnlyRootFilesystem"):
        args.append("--read-only")
    for cap in security.get("capabilities", {}).get("drop", []):
        args += ["--cap-drop", cap]
    for cap in security.get("capabilities", {}).get("add", []):
        args += ["--cap-add", cap]
    if security.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    if c.get("command"):
        args += ["--entrypoint", json.dumps(c["command"])]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in c.get("volumeMounts", []):
        volume = volumes.get(mount["name"])
        if volume is None:
            raise Failure(f'CreateContainerConfigError: volume "{mount["name"]}" not found')
        ro = ":ro" if mount.get("readOnly") else ""
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]["claimName"]
            if cluster.get("PersistentVolumeClaim", namespace, claim) is None:
                raise Failure(f'Pending: persistentvolumeclaim "{claim}" not found')
            # A claim is a folder of the cluster: it starts empty (nothing copied from the image)
            # and keeps what pods wrote, whichever pod mounts it next.
            folder = cluster.volume_path(namespace, claim)
            os.makedirs(folder, exist_ok=True)
            fs_group = pod_security.get("fsGroup")
            if fs_group is not None:
                # What the kubelet does for fsGroup: the volume's group, group-writable, setgid.
                os.chown(folder, -1, int(fs_group))
                os.chmod(folder, 0o2775)
            args += ["--volume", f"{folder}:{mount['mountPath']}{ro}"]
        elif "emptyDir" in volume:
            args += ["--tmpfs", mount["mountPath"]]
        elif "configMap" in volume or "secret" in volume:
            files = os.path.join(cluster.dir, "files", namespace, pod["name"], mount["name"])
            os.makedirs(files, exist_ok=True)
            if "configMap" in volume:
                source = cluster.get("ConfigMap", namespace, volume["configMap"]["name"])
                data = {k: str(v) for k, v in ((source or {}).get("data") or {}).items()}
            else:
                source = cluster.get("Secret", namespace, volume["secret"]["secretName"])
                data = secret_data(source) if source else None
            if source is None:
                raise Failure(f'CreateContainerConfigError: volume "{mount["name"]}": its source is not found')
            for key, value in data.items():
                with open(os.path.join(files, key), "w", encoding="utf-8") as f:
                    f.write(value)
            args += ["--volume", f"{files}:{mount['mountPath']}:ro"]
        else:
            raise Failure(f'CreateContainerConfigError: volume "{mount["name"]}": this kind is not emulated')
    return args


def reconcile(cluster, namespace, deployment):
    """What the Deployment controller and the kubelet do: a pod of the current template runs.
    Recreate stops the old pod first; RollingUpdate starts the new one, then stops the old."""
    name = deployment["metadata"]["name"]
    pod = cluster.pod(namespace, name)
    if pod and pod["hash"] == template_hash(deployment):
        if pod.get("container") and not container_running(pod):
            restart_crashed(cluster, namespace, pod)
        elif not pod.get("container"):
            # The kubelet retries a failed pull or a missing ConfigMap, with a back-off.
            if time.time() - pod.get("triedAt", 0) < 2:
                return pod
            return start_pod(cluster, namespace, deployment, pod.get("generation"))
        return cluster.pod(namespace, name)
    grace = deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    generation = (pod or {}).get("generation", 0) + 1
    if deployment["spec"].get("strategy", {}).get("type") == "Recreate" or not pod:
        if pod:
            stop_pod(cluster, namespace, name, grace)
        return start_pod(cluster, namespace, deployment, generation)
    old_container = pod.get("container")
    new = start_pod(cluster, namespace, deployment, generation)
    if old_container and new.get("container"):
        podman("stop", "-t", str(grace), old_container)
        podman("rm", "-f", old_container)
    return new


def restart_crashed(cluster, namespace, pod):
    """restartPolicy Always: a container that exited is started again, after a back-off that
    doubles from 1 s up to 10 s (CrashLoopBackOff)."""
    restarts = pod.get("restarts", 0)
    if time.time() - pod.get("restartedAt", 0) < min(2 ** restarts, 10):
        return
    pod["restarts"] = restarts + 1
    pod["restartedAt"] = time.time()
    podman("start", pod["container"])
    cluster.save_pod(namespace, pod["deployment"], pod)


def probe_ok(pod, probe):
    if not probe:
        return True
    timeout = probe.get("timeoutSeconds", 1)
    if "httpGet" in probe:
        get = probe["httpGet"]
        port = pod["ports"].get(str(get["port"]))
        if port is None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{get.get('path', '/')}", timeout=timeout) as r:
                return 200 <= r.status < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False
    if "tcpSocket" in probe:
        port = pod["ports"].get(str(probe["tcpSocket"]["port"]))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout):
                return True
        except (OSError, TypeError):
            return False
    return False  # exec and grpc probes are not emulated: such a pod never becomes ready


def pod_ready(cluster, namespace, deployment):
    pod = reconcile(cluster, namespace, deployment)
    if not pod.get("container"):
        return False, pod.get("reason") or "Pending"
    if not container_running(pod):
        return False, f"CrashLoopBackOff (restarts: {pod.get('restarts', 0)})"
    c = deployment["spec"]["template"]["spec"]["containers"][0]
    for name in ("startupProbe", "readinessProbe"):
        if not probe_ok(pod, c.get(name)):
            return False, f"{name} failed"
    return True, ""


def deployments_selected_by(cluster, namespace, selector):
    for d in cluster.list("Deployment", namespace):
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        if selector and all(labels.get(k) == v for k, v in selector.items()):
            yield d


# ---- applying manifests ----------------------------------------------------------------------

def validate_documents(text):
    """Problems per (kind, name) from the Kubernetes schemas (tests/k8s-schema/validate.mjs)."""
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "tools", "k8s-schema.sh")], check=True,
                   stdout=subprocess.DEVNULL)  # installs the validator's packages when missing
    out = subprocess.run(["node", VALIDATOR, "-"], input=text, capture_output=True, text=True)
    if out.returncode == 2:
        raise Failure(f"schema validator failed: {out.stderr.strip()}")
    problems = {}
    general = []
    for line in out.stdout.splitlines():
        m = re.match(r"^-: ([^/:]+)/([^:]+): (.*)$", line)
        if m:
            problems.setdefault((m.group(1), m.group(2)), []).append(m.group(3))
        else:
            general.append(line)
    return problems, general


def group_of(api_version):
    return api_version.split("/")[0] if "/" in api_version else ""


def resource_name(kind, api_version):
    group = group_of(api_version)
    return kind.lower() + ("." + group if group else "")
