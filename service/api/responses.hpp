// Building JSON responses: success bodies and the {"status","message"} error shape.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

#include "service/api/types.hpp"

namespace comments::api {

inline constexpr std::string_view kJsonType = "application/json";

Response json_response(boost::beast::http::status status, std::string body);
// {"status": <STATUS-WORD>, "message": message} with the status word of the code.
Response error_response(boost::beast::http::status status, std::string_view message);
Response method_not_allowed(std::string_view allow);
std::string_view status_word(boost::beast::http::status status);
// 503 with Retry-After: storage failed `what` (ec says how).
Response unavailable(const boost::system::error_code& ec, std::string_view what);

}  // namespace comments::api
