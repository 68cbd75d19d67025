// Label sets, so every object is found by the same selectors.
#include "render/labels.hpp"

#include <algorithm>

namespace commentsctl::render {

int Context::max_replicas() const {
  return env.autoscaling.enabled.value ? env.autoscaling.max_replicas.value : env.replicas.value;
}

int Context::min_replicas() const {
  return env.autoscaling.enabled.value ? env.autoscaling.min_replicas.value : env.replicas.value;
}

emit::Node selector_labels(const Context& c) {
  return emit::Node::map(
      {{"app.kubernetes.io/instance", c.instance()}, {"app.kubernetes.io/name", c.name()}});
}

emit::Node common_labels(const Context& c) {
  // Sorted by key, as kubectl shows them.
  return emit::Node::map({{"app.kubernetes.io/component", "server"},
                          {"app.kubernetes.io/instance", c.instance()},
                          {"app.kubernetes.io/managed-by", "commentsctl"},
                          {"app.kubernetes.io/name", c.name()},
                          {"app.kubernetes.io/part-of", c.spec.app.part_of.value},
                          {"app.kubernetes.io/version", c.pin.tag.value}});
}

emit::Node object_head(const Context& c, const std::string& api_version, const std::string& kind,
                       const std::string& name) {
  return emit::Node::map(
      {{"apiVersion", api_version},
       {"kind", kind},
       {"metadata",
        emit::Node::map({{"name", name}, {"namespace", c.ns()}, {"labels", common_labels(c)}})}});
}

}  // namespace commentsctl::render
