// Checks of the API's answers that several HTTP test files make.
#pragma once

#include <string>

#include "tests/service/support/http_client.hpp"

namespace comments::testing {

// A JSON error answer as every client sees one: the status, JSON with nosniff, and the body's
// "status" word and "message".
void check_error(const HttpResponse& r, unsigned status, const std::string& word,
                 const std::string& message);

}  // namespace comments::testing
