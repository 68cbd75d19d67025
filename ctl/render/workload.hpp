// The Deployment: the pod, its container, probes, hardening and rollout strategy.
#pragma once

#include <string>

#include "emit/node.hpp"
#include "render/labels.hpp"

namespace commentsctl::render {

// `config_checksum` goes on the pod template so a configuration change rolls the pods.
emit::Node deployment(const Context& c, const std::string& config_name,
                      const std::string& config_checksum);

// The names the Deployment refers to.
std::string data_claim_name(const Context& c);
std::string config_map_name(const Context& c);

}  // namespace commentsctl::render
