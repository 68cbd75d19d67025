#!/usr/bin/env python3
"""Checks the GitHub Actions workflows, which cannot run here: valid YAML with jobs of steps;
every ./deploy.sh and ./provision-k8s.sh call names only stages and flags the script has (read
from its --help and --list-stages); secrets reach steps only through `env:`, never pasted into a
`run:` script; credential files (DOCKER_CONFIG, KUBECONFIG) are outside the checkout.

    workflows.py ROOT WORKFLOW...     prints one line per problem, exits 1 when there is any
"""
import re
import shlex
import subprocess
import sys

import yaml


def script_flags(root, script):
    out = subprocess.run(["bash", f"{root}/{script}", "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", out))


def calls(run, script):
    """The argument lists of each call of ./SCRIPT in a run: block (continuation lines joined)."""
    text = run.replace("\\\n", " ")
    for line in text.splitlines():
        if f"./{script}" not in line:
            continue
        words = shlex.split(line.split(f"./{script}", 1)[1].split("&&")[0].split("|")[0])
        yield words


def check(root, path):
    problems = []
    workflow = yaml.safe_load(open(path, encoding="utf-8"))
    known = {
        "deploy.sh": script_flags(root, "deploy.sh"),
        "provision-k8s.sh": script_flags(root, "provision-k8s.sh"),
    }
    stages = set(subprocess.run(["bash", f"{root}/deploy.sh", "--list-stages"], capture_output=True, text=True,
                                check=True).stdout.split())
    env = dict(workflow.get("env", {}))
    for name, job in workflow["jobs"].items():
        env_job = {**env, **job.get("env", {})}
        for step in job["steps"]:
            run = step.get("run", "")
            if re.search(r"\$\{\{[^}]*\bsecrets\.", run):
                problems.append(f"{path}: job {name}: a secret is pasted into a run: script (pass it through env:)")
            for script, flags in known.items():
                for words in calls(run, script):
                    for i, word in enumerate(words):
                        if word.startswith("--"):
                            flag = word.split("=")[0]
                            if flag not in flags:
                                problems.append(f"{path}: job {name}: ./{script} has no flag {flag}")
                        if script == "deploy.sh" and word == "--stages":
                            unknown = [s for s in words[i + 1].split(",") if s not in stages]
                            if unknown:
                                problems.append(f"{path}: job {name}: deploy.sh has no stage {', '.join(unknown)}")
            for key, value in {**env_job, **step.get("env", {})}.items():
                if key in ("DOCKER_CONFIG", "KUBECONFIG") and re.fullmatch(r"\$\{\{ *github\.workspace *\}\}/(?!\.\./).*", str(value)):
                    problems.append(f"{path}: job {name}: {key} is inside the checkout: {value}")
    return list(dict.fromkeys(problems))


def main():
    root, paths = sys.argv[1], sys.argv[2:]
    problems = [p for path in paths for p in check(root, path)]
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {len(paths)} workflow(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
