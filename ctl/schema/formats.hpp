// The value formats commentsctl accepts: durations, Kubernetes quantities and names, image
// references. Each check returns an empty string for a good value, else what is wrong with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace commentsctl::schema {

// `500ms`, `5s`, `2m`, `1h`: the service's duration format (service/config/values.hpp).
std::string check_duration(std::string_view text);

// A CronJob schedule: five cron fields (`0 3 * * *`, `*/15 * * * *`) or a macro (`@daily`).
std::string check_cron_schedule(std::string_view text);

// A Kubernetes resource quantity: `100m`, `0.5`, `64Mi`, `1G`.
std::string check_quantity(std::string_view text);
// Its value in base units (cores, bytes); nullopt when not a quantity.
std::optional<long double> quantity_value(std::string_view text);

// An RFC 1123 label (namespace, object and Secret names): lowercase, digits, '-', at most 63.
std::string check_dns_label(std::string_view text);
// An RFC 1123 subdomain (Secret and StorageClass names, ingress hosts).
std::string check_dns_subdomain(std::string_view text);
// A Kubernetes label value (an image tag becomes app.kubernetes.io/version).
std::string check_label_value(std::string_view text);

// An image repository without tag or digest: `registry.example.com:5000/team/comments`.
std::string check_image_repository(std::string_view text);
// An image tag (the shared format) that is not `latest` and can also serve as a label value.
std::string check_image_tag(std::string_view text);
// `sha256:` and 64 lowercase hex digits (the shared format).
std::string check_digest(std::string_view text);

}  // namespace commentsctl::schema
