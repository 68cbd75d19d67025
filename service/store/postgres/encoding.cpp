// Array literal quoting: every element double-quoted, backslash before '"' and '\'.
#include "service/store/postgres/encoding.hpp"

namespace comments::store::pg {

void ArrayLiteral::separate() {
  if (count_++ > 0) {
    text_ += ',';
  }
}

void ArrayLiteral::add(std::string_view element) {
  separate();
  text_ += '"';
  for (char ch : element) {
    if (ch == '"' || ch == '\\') {
      text_ += '\\';
      text_ += ch;
    } else if (ch == '\0') {
      text_ += "\xEF\xBF\xBD";
    } else {
      text_ += ch;
    }
  }
  text_ += '"';
}

void ArrayLiteral::add(std::int64_t element) {
  separate();
  text_ += std::to_string(element);
}

}  // namespace comments::store::pg
