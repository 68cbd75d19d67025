// JSON response builders shared by every handler.
#include "service/api/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace comments::api {

namespace http = boost::beast::http;

std::string_view status_word(http::status status) {
  switch (status) {
    case http::status::ok:
    case http::status::created:
      return "SUCCESS";
    case http::status::unauthorized:
      return "UNAUTHORIZED";
    case http::status::forbidden:
      return "FORBIDDEN";
    case http::status::conflict:
      return "CONFLICT";
    case http::status::bad_request:
      return "BAD-REQUEST";
    case http::status::not_found:
      return "NOT-FOUND";
    case http::status::method_not_allowed:
      return "METHOD-NOT-ALLOWED";
    case http::status::request_timeout:
      return "REQUEST-TIMEOUT";
    case http::status::payload_too_large:
      return "PAYLOAD-TOO-LARGE";
    case http::status::unsupported_media_type:
      return "UNSUPPORTED-MEDIA-TYPE";
    case http::status::unprocessable_entity:
      return "UNPROCESSABLE-ENTITY";
    case http::status::too_many_requests:
      return "TOO-MANY-REQUESTS";
    case http::status::request_header_fields_too_large:
      return "HEADERS-TOO-LARGE";
    case http::status::service_unavailable:
      return "UNAVAILABLE";
    case http::status::http_version_not_supported:
      return "HTTP-VERSION-NOT-SUPPORTED";
    default:
      return "INTERNAL-ERROR";
  }
}

Response json_response(http::status status, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, kJsonType);
  res.body() = std::move(body);
  return res;
}

Response error_response(http::status status, std::string_view message) {
  boost::json::object o;
  o["status"] = status_word(status);
  o["message"] = message;
  return json_response(status, boost::json::serialize(o));
}

Response method_not_allowed(std::string_view allow) {
  auto res = error_response(http::status::method_not_allowed,
                            std::string("method not allowed; allowed: ") + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

Response unavailable(const boost::system::error_code& ec, std::string_view what) {
  auto res = error_response(http::status::service_unavailable,
                            std::string(what) + ": " + ec.message() + "; retry later");
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace comments::api
