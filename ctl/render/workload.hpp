// The Deployment: the pod, its container, probes, hardening and rollout strategy; and the backup
// CronJob, whose pod is hardened the same way and mounts the same claim.
#pragma once

#include <string>

#include "emit/node.hpp"
#include "render/labels.hpp"

namespace commentsctl::render {

// `config_checksum` goes on the pod template so a configuration change rolls the pods.
emit::Node deployment(const Context& c, const std::string& config_name,
                      const std::string& config_checksum);

// `comments-service backup` on the spec's schedule, from the data claim into backup.claimName.
// Expects SQLite storage (validation refuses a backup with PostgreSQL).
emit::Node backup_cron_job(const Context& c);

// sqlite:<data_path>/comments.db, the service's STORAGE_URL with SQLite storage.
std::string sqlite_storage_url();

// The names the Deployment and the CronJob refer to.
std::string backup_name(const Context& c);
std::string data_claim_name(const Context& c);
std::string config_map_name(const Context& c);

}  // namespace commentsctl::render
