// Liveness never looks at storage (a database outage must not restart pods); readiness does, and
// tells clients only that storage is unavailable: the database's own message names the user,
// host, port and database, so it goes to the log (storage.cpp logs it), never into a response.
#include "service/api/ops_handlers.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

#include "comments/version.hpp"
#include "service/api/responses.hpp"

namespace comments::api {

namespace http = boost::beast::http;

OpsHandlers::OpsHandlers(store::Storage& storage, Readiness& readiness, metrics::Metrics& metrics,
                         std::string image_digest)
    : storage_(storage),
      readiness_(readiness),
      metrics_(metrics),
      image_digest_(std::move(image_digest)) {}

Response OpsHandlers::healthz() const {
  return json_response(http::status::ok, R"({"status":"OK"})");
}

Response OpsHandlers::readyz() const {
  if (readiness_.draining()) {
    metrics_.ready().Set(0);
    return error_response(http::status::service_unavailable, "shutting down");
  }
  if (!storage_.healthy()) {
    metrics_.ready().Set(0);
    return error_response(http::status::service_unavailable,
                          "storage unavailable; the service log has the reason");
  }
  metrics_.ready().Set(1);
  boost::json::object o;
  o["status"] = "READY";
  o["storage"] = storage_.backend().name();
  return json_response(http::status::ok, boost::json::serialize(o));
}

Response OpsHandlers::version() const {
  boost::json::object o;
  o["version"] = build::version;
  o["revision"] = build::revision;
  if (!image_digest_.empty()) {
    o["digest"] = image_digest_;  // what `commentsctl verify` compares with the pin
  }
  return json_response(http::status::ok, boost::json::serialize(o));
}

Response OpsHandlers::metrics() const {
  metrics_.ready().Set(!readiness_.draining() && storage_.healthy() ? 1 : 0);
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = metrics_.serialize();
  return res;
}

}  // namespace comments::api
