// Response bytes laid out as Beast's basic_fields::writer and serializer lay them out.
#include "service/http/wire.hpp"

#include <boost/beast/http/status.hpp>

namespace comments::http {

namespace bhttp = boost::beast::http;

bool serializable(const api::Response& res) { return !res.chunked(); }

void serialize(const api::Response& res, std::string& out) {
  out.clear();
  const unsigned version = res.version();
  const unsigned code = res.result_int();
  const char line[] = {'H',
                       'T',
                       'T',
                       'P',
                       '/',
                       static_cast<char>('0' + version / 10),
                       '.',
                       static_cast<char>('0' + version % 10),
                       ' ',
                       static_cast<char>('0' + code / 100),
                       static_cast<char>('0' + (code / 10) % 10),
                       static_cast<char>('0' + code % 10),
                       ' '};
  out.append(line, sizeof line);
  auto reason = res.reason();
  if (reason.empty()) {
    reason = bhttp::obsolete_reason(static_cast<bhttp::status>(code));
  }
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out.append(": ");
    out.append(value.data(), value.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(res.body());
}

}  // namespace comments::http
