// The storage URL: checked before anything connects, and described for logs and errors without
// the password.
#pragma once

#include <string>

namespace comments::store::pg {

// "user@host:port/database" from a URL, without the password; for logs and errors.
std::string describe(const std::string& url);
// Throws std::invalid_argument when libpq cannot parse the URL or an option has a value libpq
// would refuse only when connecting (sslmode, port, …); the message never holds the password.
void check_url(const std::string& url);

}  // namespace comments::store::pg
