#!/usr/bin/env node
// Validates every object of multi-document Kubernetes YAML files against the official
// OpenAPI-derived schemas (npm `kubernetes-models`, plus the prometheus-operator CRDs), the
// offline stand-in for `kubectl apply --dry-run=server` on a machine without a cluster.
//
//   node validate.mjs FILE...     (`-` reads standard input)
//
// Prints one `FILE: Kind/name: problem` line per problem and exits 1 when there is any, 0 when
// every object is valid, 2 on a usage error. Beyond the schemas' own checks it refuses what a
// strict `kubectl apply` refuses and the compiled schemas let through: unknown kinds, API
// versions the supported clusters no longer serve, and unknown fields (see `strictProxy`).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const usage = `usage: validate.mjs FILE...
Validates each object of the multi-document YAML FILEs (- for standard input) against the
Kubernetes schemas; prints "FILE: Kind/name: problem" lines and exits 1 on any problem.`;

// Removed from the API server long before the oldest Kubernetes this project supports (1.29):
// the models still ship them, a cluster would refuse them.
const removedApiVersions = new Map([
  ["extensions/v1beta1", "1.22"],
  ["networking.k8s.io/v1beta1", "1.22"],
  ["policy/v1beta1", "1.25"],
  ["batch/v1beta1", "1.25"],
  ["autoscaling/v2beta1", "1.25"],
  ["autoscaling/v2beta2", "1.26"],
  ["flowcontrol.apiserver.k8s.io/v1beta2", "1.29"],
]);

// apiVersion → the module holding its models. Core is "v1"; groups are "group/version".
function modulePathsFor(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return [`@kubernetes-models/prometheus-operator/${apiVersion}`];
  }
  return [`kubernetes-models/${apiVersion}`];
}

const moduleCache = new Map();
async function modelFor(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    return undefined;
  }
  for (const path of modulePathsFor(apiVersion)) {
    if (!moduleCache.has(path)) {
      moduleCache.set(path, await import(path).catch(() => null));
    }
    const mod = moduleCache.get(path);
    const model = mod?.[kind];
    if (typeof model === "function" && model.apiVersion === apiVersion && model.kind === kind) {
      return model;
    }
  }
  return undefined;
}

// The compiled schemas, like Kubernetes' OpenAPI documents, do not forbid additional properties,
// so a misspelt field (`readOnlyRootFilesytem`) would pass here yet be refused by the API server
// under kubectl's default strict field validation. The generated validators read every property
// their schema names (`data.spec !== undefined`) and enumerate objects whose schema is a map
// (labels, ConfigMap data). Watching those reads through a Proxy tells, for every object the
// schema describes, which of its keys the schema knows; a key never read is unknown. An object
// whose properties the validator never looks at is free-form, and left alone.
function strictProxy(root) {
  const reads = new Map(); // target object → Set of property names the validator asked for
  const enumerated = new Set(); // target objects the validator iterated over as a map
  const proxies = new WeakMap();
  const wrap = (value) => {
    if (value === null || typeof value !== "object") {
      return value;
    }
    if (!proxies.has(value)) {
      proxies.set(
        value,
        new Proxy(value, {
          get(target, key, receiver) {
            if (typeof key === "string" && !Array.isArray(target)) {
              if (!reads.has(target)) {
                reads.set(target, new Set());
              }
              reads.get(target).add(key);
            }
            return wrap(Reflect.get(target, key, receiver));
          },
          ownKeys(target) {
            enumerated.add(target);
            return Reflect.ownKeys(target);
          },
        }),
      );
    }
    return proxies.get(value);
  };
  const unknownFields = () => {
    const found = [];
    const walk = (value, path) => {
      if (value === null || typeof value !== "object") {
        return;
      }
      if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, `${path}/${i}`));
        return;
      }
      const known = reads.get(value);
      for (const [key, child] of Object.entries(value)) {
        if (known && !enumerated.has(value) && !known.has(key)) {
          found.push(`${path || "/"}: unknown field "${key}"`);
        } else {
          walk(child, `${path}/${key}`);
        }
      }
    };
    walk(root, "");
    return found;
  };
  return { proxy: wrap(root), unknownFields };
}

function describe(doc) {
  const kind = typeof doc?.kind === "string" ? doc.kind : "<no kind>";
  const name = typeof doc?.metadata?.name === "string" ? doc.metadata.name : "<no name>";
  return `${kind}/${name}`;
}

async function problemsOf(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return ["a document must be a mapping (a Kubernetes object)"];
  }
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["apiVersion and kind must both be strings"];
  }
  if (removedApiVersions.has(apiVersion)) {
    return [`apiVersion ${apiVersion} was removed in Kubernetes ${removedApiVersions.get(apiVersion)}`];
  }
  const model = await modelFor(apiVersion, kind);
  if (!model) {
    return [`unknown kind ${kind} in apiVersion ${apiVersion}`];
  }
  const problems = [];
  if (typeof doc.metadata?.name !== "string" || doc.metadata.name === "") {
    problems.push("/metadata/name: required");
  }
  const { proxy, unknownFields } = strictProxy(doc);
  try {
    model.prototype.validate.call(proxy);
  } catch (err) {
    if (!Array.isArray(err.errors)) {
      throw err;
    }
    for (const e of err.errors) {
      problems.push(`${e.instancePath || "/"}: ${e.message}`);
    }
  }
  return problems.concat(unknownFields());
}

async function validateFile(file) {
  const lines = [];
  let text;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (err) {
    return [`${file}: cannot read: ${err.message}`];
  }
  // kubectl reads YAML 1.1 (sigs.k8s.io/yaml): `on`, `yes`, `0755` are not strings there.
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  const seen = new Set();
  let objects = 0;
  for (const parsed of Array.isArray(docs) ? docs : [docs]) {
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) {
        const at = e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : "";
        lines.push(`${file}${at}: ${e.message.split(" at line ")[0].split("\n")[0]}`);
      }
      continue;
    }
    const doc = parsed.toJS({ maxAliasCount: -1 });
    if (doc === null || doc === undefined) {
      continue; // an empty document, such as after a trailing `---`
    }
    objects++;
    for (const problem of await problemsOf(doc)) {
      lines.push(`${file}: ${describe(doc)}: ${problem}`);
    }
    const identity = `${doc?.apiVersion}|${describe(doc)}|${doc?.metadata?.namespace ?? ""}`;
    if (seen.has(identity)) {
      lines.push(`${file}: ${describe(doc)}: defined twice`);
    }
    seen.add(identity);
  }
  if (objects === 0 && lines.length === 0) {
    lines.push(`${file}: no Kubernetes object found`);
  }
  return lines;
}

async function main(args) {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(usage);
    return 0;
  }
  const unknownOption = args.find((a) => a.startsWith("-") && a !== "-");
  if (args.length === 0 || unknownOption) {
    console.error(unknownOption ? `validate.mjs: unknown option ${unknownOption}` : usage);
    return 2;
  }
  let failed = false;
  for (const file of args) {
    const lines = await validateFile(file);
    for (const line of lines) {
      console.log(line);
    }
    failed ||= lines.length > 0;
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
