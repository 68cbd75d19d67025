// Format checks with regular expressions; inputs are short scalars from YAML files.
#include "schema/formats.hpp"

#include <cmath>
#include <regex>
#include <sstream>

#include "service/config/values.hpp"

namespace commentsctl::schema {
namespace {

bool matches(std::string_view text, const std::regex& re) {
  return std::regex_match(text.begin(), text.end(), re);
}

}  // namespace

std::string check_duration(std::string_view text) {
  return comments::config::duration().format.check(text);
}

std::string check_cron_schedule(std::string_view text) {
  static const std::regex macro("@(yearly|annually|monthly|weekly|daily|midnight|hourly)");
  // Each field: *, a number, a range or a list of them, each with an optional /step; names (MON,
  // JAN) too, as Kubernetes accepts them.
  static const std::regex field(
      "(\\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,([0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*");
  if (matches(text, macro)) {
    return "";
  }
  std::istringstream in{std::string(text)};
  std::string part;
  int fields = 0;
  bool good = true;
  while (in >> part) {
    good = good && matches(part, field);
    ++fields;
  }
  if (good && fields == 5) {
    return "";
  }
  return "must be a cron schedule of five fields (minute hour day-of-month month day-of-week, "
         "e.g. \"0 3 * * *\") or @daily, @hourly, @weekly, ...";
}

std::optional<long double> quantity_value(std::string_view text) {
  static const std::regex re("([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
  std::match_results<std::string_view::const_iterator> m;
  if (text.size() > 32 || !std::regex_match(text.begin(), text.end(), m, re)) {
    return std::nullopt;
  }
  const long double number = std::stold(m[1].str());
  const std::string suffix = m[3].str();
  long double scale = 1;
  if (suffix == "m") {
    scale = 1e-3L;
  } else if (!suffix.empty()) {
    const std::string units = "kMGTPE";
    const auto power = static_cast<long double>(units.find(suffix[0] == 'K' ? 'k' : suffix[0]) + 1);
    scale = suffix.size() == 2 ? std::pow(1024.0L, power) : std::pow(1000.0L, power);
  }
  return number * scale;
}

std::string check_quantity(std::string_view text) {
  if (quantity_value(text)) {
    return "";
  }
  return "must be a Kubernetes quantity, such as 100m, 0.5, 64Mi or 1Gi";
}

std::string check_dns_label(std::string_view text) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (text.size() <= 63 && matches(text, re)) {
    return "";
  }
  return "must be a DNS label: at most 63 lowercase letters, digits and '-', starting and ending "
         "with a letter or digit";
}

std::string check_dns_subdomain(std::string_view text) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  if (text.size() <= 253 && matches(text, re)) {
    return "";
  }
  return "must be a DNS name: lowercase letters, digits, '-' and '.', such as "
         "comments.example.com";
}

std::string check_label_value(std::string_view text) {
  static const std::regex re("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  if (text.size() <= 63 && matches(text, re)) {
    return "";
  }
  return "must be a valid label value: at most 63 letters, digits, '-', '_' and '.', starting and "
         "ending with a letter or digit";
}

std::string check_image_repository(std::string_view text) {
  static const std::regex re(
      "([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*"
      "(:[0-9]{1,5})?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*");
  if (text.find('@') != std::string_view::npos) {
    return "must not contain a digest (the release pin sets it)";
  }
  const auto slash = text.rfind('/');
  if (text.find(':', slash == std::string_view::npos ? 0 : slash) != std::string_view::npos) {
    return "must not contain a tag (the release pin sets it)";
  }
  if (text.size() <= 255 && matches(text, re)) {
    return "";
  }
  return "must be an image repository such as registry.example.com/team/comments";
}

std::string check_image_tag(std::string_view text) {
  if (text == "latest") {
    return "must not be \"latest\": pin a version so every render names the same image";
  }
  if (std::string problem = comments::config::image_tag().check(text); !problem.empty()) {
    return problem;
  }
  if (!check_label_value(text).empty()) {
    return "must also be a label value (app.kubernetes.io/version): at most 63 characters, ending "
           "with a letter or digit";
  }
  return "";
}

std::string check_digest(std::string_view text) { return comments::config::digest().check(text); }

}  // namespace commentsctl::schema
