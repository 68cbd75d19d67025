// The labels and metadata every rendered object carries.
#pragma once

#include <string>

#include "emit/node.hpp"
#include "release/pin.hpp"
#include "spec/spec.hpp"

namespace commentsctl::render {

struct Context {
  const spec::Spec& spec;
  const spec::Environment& env;
  const release::Pin& pin;

  [[nodiscard]] const std::string& name() const { return spec.app.name.value; }
  [[nodiscard]] const std::string& ns() const { return env.ns.value; }
  [[nodiscard]] std::string instance() const { return name() + "-" + env.name.value; }
  // The most replicas the Deployment may run (the autoscaler's maximum when it is on).
  [[nodiscard]] int max_replicas() const;
  [[nodiscard]] int min_replicas() const;
};

// app.kubernetes.io/name and instance: stable for the life of the Deployment.
emit::Node selector_labels(const Context& c);
// The selector labels plus version, component, part-of and managed-by.
emit::Node common_labels(const Context& c);
// apiVersion, kind and metadata (name, namespace, labels); the caller appends the rest.
emit::Node object_head(const Context& c, const std::string& api_version, const std::string& kind,
                       const std::string& name);

}  // namespace commentsctl::render
