#!/usr/bin/env python3
"""Assembles a test image as an OCI layout without a container engine: gzip'd tar layers of
random files, an image config carrying the org.opencontainers.image.revision label, a manifest,
and with --platforms an image index of one manifest per platform.

  make_image.py DIR TAG --revision REV [--layers KIB,KIB,...] [--platforms linux/amd64,linux/arm64]
                [--seed TEXT]

Push it with: skopeo copy --all --preserve-digests oci:DIR:TAG docker://HOST/REPO:TAG
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import tarfile


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def make_layer(rng, kib, name):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        payload = rng.randbytes(kib * 1024)
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    packed = gzip.compress(tar_bytes, compresslevel=1, mtime=0)
    return tar_bytes, packed


def image(layout, rng, revision, layers, os_name, arch, seed):
    descs, diff_ids = [], []
    for i, kib in enumerate(layers):
        tar_bytes, packed = make_layer(rng, kib, f"data/{seed}-{arch}-{i}.bin")
        d = write_blob(layout, packed)
        d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        descs.append(d)
        diff_ids.append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
    config = {
        "architecture": arch,
        "os": os_name,
        "config": {"Labels": {"org.opencontainers.image.revision": revision},
                   "Cmd": ["/usr/local/bin/comments-service"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    c = write_blob(layout, json.dumps(config, sort_keys=True).encode())
    c["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": c, "layers": descs}
    m = write_blob(layout, json.dumps(manifest, sort_keys=True).encode())
    m["mediaType"] = manifest["mediaType"]
    m["platform"] = {"os": os_name, "architecture": arch}
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("tag")
    p.add_argument("--revision", required=True)
    p.add_argument("--layers", default="4,16")
    p.add_argument("--platforms", default="")
    p.add_argument("--seed", default="")
    a = p.parse_args()
    rng = random.Random(a.seed or a.tag + a.revision)
    os.makedirs(os.path.join(a.dir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers = [int(x) for x in a.layers.split(",") if x]
    if a.platforms:
        manifests = []
        for platform in a.platforms.split(","):
            os_name, arch = platform.split("/")
            manifests.append(image(a.dir, rng, a.revision, layers, os_name, arch, a.seed))
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": manifests}
        top = write_blob(a.dir, json.dumps(index, sort_keys=True).encode())
        top["mediaType"] = index["mediaType"]
    else:
        top = image(a.dir, rng, a.revision, layers, "linux", "amd64", a.seed)
        del top["platform"]
    top["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
    path = os.path.join(a.dir, "index.json")
    existing = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(path):
        with open(path) as f:
            existing = json.load(f)
    existing["manifests"] = [m for m in existing["manifests"]
                             if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != a.tag]
    existing["manifests"].append(top)
    with open(path, "w") as f:
        json.dump(existing, f)
    print(top["digest"])


if __name__ == "__main__":
    main()
