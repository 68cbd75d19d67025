// Unit tests of the value formats: each pattern accepts exactly what its parser converts, checked
// against arithmetic and the C library rather than against the pattern itself.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "service/config/settings.hpp"

using namespace comments::config;
using namespace std::chrono_literals;

TEST_CASE("integer patterns hold exactly the numbers of their range") {
  for (auto [min, max] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 65535}, {1, 256}, {0, 16}, {1, 100000}, {7, 7}, {19, 2031}, {0, 9}, {10, 99}}) {
    CAPTURE(min, max, integer_pattern(min, max));
    const auto f = integer_format(min, max);
    // Every number up to 1200, every power of ten and the range's ends with their neighbours,
    // and a stride across the rest (std::regex is too slow to try all of them in a debug build).
    std::set<std::uint64_t> candidates;
    for (std::uint64_t n = 0; n <= 1200; ++n) {
      candidates.insert(n);
    }
    for (std::uint64_t n = 1201; n <= 70000; n += 37) {
      candidates.insert(n);
    }
    for (std::uint64_t edge : {min, max, std::uint64_t{10}, std::uint64_t{100}, std::uint64_t{1000},
                               std::uint64_t{10000}, std::uint64_t{100000}}) {
      for (std::uint64_t n = edge > 12 ? edge - 12 : 0; n <= edge + 12; ++n) {
        candidates.insert(n);
      }
    }
    for (std::uint64_t n : candidates) {
      const bool in = n >= min && n <= max;
      if (f.matches(std::to_string(n)) != in) {
        FAIL_CHECK(n << (in ? " is in range but refused" : " is out of range but accepted"));
      }
    }
    CHECK_FALSE(f.matches(""));
    CHECK_FALSE(f.matches("-1"));
    CHECK_FALSE(f.matches("0" + std::to_string(max)));  // no leading zeros
    CHECK_FALSE(f.matches(std::to_string(max) + " "));
  }
  const auto port = integer<std::uint16_t>(0, 65535);
  CHECK(port.parse("65535") == 65535);
  CHECK_FALSE(port.parse("65536"));
  CHECK(integer_format(1000000, 1000000).matches("1000000"));
  CHECK_FALSE(integer_format(1, 1000000).matches("1000001"));
}

TEST_CASE("durations: up to six digits and ms, s, m or h") {
  const auto d = duration();
  CHECK(d.parse("500ms") == 500ms);
  CHECK(d.parse("5s") == 5s);
  CHECK(d.parse("2m") == 2min);
  CHECK(d.parse("1h") == 1h);
  CHECK(d.parse("0s") == 0s);
  CHECK(d.parse("999999h") == 999999h);
  for (const char* bad :
       {"5", "-5s", "s", "05s", "1000000ms", "1.5s", "5 s", "5S", "1d", "", "5sec"}) {
    CAPTURE(bad);
    CHECK_FALSE(d.parse(bad));
  }
  CHECK_FALSE(duration(true).parse("0ms"));
  CHECK(duration(true).parse("1ms") == 1ms);
}

TEST_CASE("sizes: bytes with an optional B, KiB or MiB") {
  const auto s = size();
  CHECK(s.parse("65536") == 65536U);
  CHECK(s.parse("64KiB") == 65536U);
  CHECK(s.parse("32MiB") == 32U * 1024 * 1024);
  CHECK(s.parse("7B") == 7U);
  CHECK(s.parse("0") == 0U);
  CHECK(s.parse("9999999999MiB") == 9999999999ULL * 1024 * 1024);
  for (const char* bad : {"64kb", "lots", "64 KiB", "1GiB", "01", "12345678901", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(s.parse(bad));
  }
  CHECK_FALSE(size(true).parse("0KiB"));
}

TEST_CASE("decimals, booleans and choices") {
  CHECK(decimal().parse("2.5") == 2.5);
  CHECK(decimal().parse("999999999.999999") == Approx(999999999.999999));
  for (const char* bad : {"1e6", ".5", "5.", "-1", "1000000000", "0.1234567", "NaN", "inf"}) {
    CAPTURE(bad);
    CHECK_FALSE(decimal().parse(bad));
  }
  CHECK(boolean().parse("true") == true);
  CHECK(boolean().parse("false") == false);
  CHECK_FALSE(boolean().parse("yes"));
  CHECK_FALSE(boolean().parse("True"));
  const auto level = choice<int>({{"debug", 0}, {"info", 1}});
  CHECK(level.parse("info") == 1);
  CHECK_FALSE(level.parse("inf"));
  CHECK_FALSE(level.parse("debug|info"));
  CHECK(level.format.expected == "one of debug or info");
}

TEST_CASE("addresses are what inet_pton reads, without embedded IPv4 or zones") {
  const auto a = address();
  auto pton = [](const std::string& text) {
    unsigned char buf[16];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buf) == 1;
  };
  for (const std::string text : {"0.0.0.0",
                                 "127.0.0.1",
                                 "255.255.255.255",
                                 "10.1.2.3",
                                 "::",
                                 "::1",
                                 "fd00::1",
                                 "1::",
                                 "1:2:3:4:5:6:7:8",
                                 "1::8",
                                 "1:2:3:4:5:6::8",
                                 "1::3:4:5:6:7:8",
                                 "FE80::ab:CD",
                                 "2001:db8::7:8",
                                 "256.0.0.1",
                                 "1.2.3",
                                 "01.2.3.4",
                                 "1.2.3.4.5",
                                 ":",
                                 ":::",
                                 "1:2:3:4:5:6:7",
                                 "1:2:3:4:5:6:7:8:9",
                                 "1::2::3",
                                 "12345::",
                                 "g::",
                                 "localhost",
                                 "",
                                 " ::",
                                 "1.2.3.4 "}) {
    CAPTURE(text);
    CHECK(a.format.matches(text) == pton(text));
  }
  CHECK_FALSE(a.format.matches("::ffff:1.2.3.4"));  // inet_pton reads it; the format does not
}

TEST_CASE("origins are written as browsers send them in Origin, or refused") {
  using Origins = std::vector<std::string>;
  const auto& o = origins();
  const auto ok = [&o](std::string_view list) {
    CAPTURE(list);
    auto r = o.parse(list);
    REQUIRE(r);
    return *r;
  };
  CHECK(ok("").empty());
  CHECK(ok("*") == Origins{"*"});
  CHECK(ok("https://blog.example.com") == Origins{"https://blog.example.com"});
  CHECK(ok("https://Blog.Example.com , http://localhost:8080") ==
        Origins{"https://blog.example.com", "http://localhost:8080"});
  CHECK(ok("http://127.0.0.1:5173,http://[::1]:5173") ==
        Origins{"http://127.0.0.1:5173", "http://[::1]:5173"});
  // Browsers leave the default port out; a list that names it still matches them.
  CHECK(ok("https://blog.example.com:443,http://blog.example.com:80,http://a.example:8080") ==
        Origins{"https://blog.example.com", "http://blog.example.com", "http://a.example:8080"});
  for (const std::string bad :
       {"https://blog.example.com/", "https://blog.example.com/post/1",
        "https://user@blog.example.com", "blog.example.com", "ftp://blog.example.com",
        "HTTPS://blog.example.com", "https://*.example.com",
        "https://a.example.com,,https://b.example", "*,https://blog.example.com",
        "https://blog.example.com,", "https://blog.example.com:0", "https://blog.example.com:65536",
        "https://-blog.example.com", "https://blog..example.com", "http://[::1",
        "https://blog.example.com?x=1", " "}) {
    CAPTURE(bad);
    CHECK_FALSE(o.format.matches(bad));
  }
  CHECK(o.format.check("https://blog.example.com/")
            .starts_with("must be origins separated by commas, each http:// or https://"));
}

TEST_CASE("storage URLs are the ones store::open takes") {
  const auto u = storage_url();
  for (const char* good :
       {"memory:", "memory://", "sqlite:data/c.db", "sqlite:///abs/c.db", "sqlite://rel.db",
        "sqlite:/abs.db", "postgresql://u@h:5432/db", "postgres://h/db?sslmode=disable"}) {
    CAPTURE(good);
    CHECK(u.format.matches(good));
  }
  for (const char* bad : {"sqlite:", "sqlite://", "memory", "mysql://x", "redis:", "postgresql:/x",
                          "sqlite:a\nb", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(u.format.matches(bad));
  }
}

TEST_CASE("image tags and digests") {
  CHECK(image_tag().matches("0.1.0-5a141f4"));
  CHECK(image_tag().matches("_x"));
  CHECK(image_tag().matches(std::string(128, 'a')));
  CHECK_FALSE(image_tag().matches(std::string(129, 'a')));
  CHECK_FALSE(image_tag().matches(".x"));
  CHECK_FALSE(image_tag().matches("a:b"));
  CHECK(digest().matches("sha256:" + std::string(64, 'a')));
  CHECK_FALSE(digest().matches("sha256:" + std::string(64, 'A')));
  CHECK_FALSE(digest().matches("sha256:" + std::string(63, 'a')));
  CHECK_FALSE(digest().matches("sha512:" + std::string(64, 'a')));
  // IMAGE_DIGEST: a digest or none, nothing else.
  CHECK(optional_digest().parse("") == std::string());
  CHECK(optional_digest().parse("sha256:" + std::string(64, 'a')) ==
        "sha256:" + std::string(64, 'a'));
  CHECK_FALSE(optional_digest().parse("sha256:xyz"));
  CHECK_FALSE(optional_digest().parse(" "));
}

TEST_CASE("the settings table is consistent") {
  std::set<std::string> names;
  std::set<std::string> envs;
  for (const auto& s : settings()) {
    CAPTURE(s.env);
    CHECK(s.format.matches(s.default_value));
    CHECK(names.insert(s.name).second);
    CHECK(envs.insert(s.env).second);
    CHECK_FALSE(s.help.empty());
    CHECK(find_setting(s.env) == &s);
    // A value the spec or the chart holds verbatim is written there in the same format.
    CHECK((s.spec.verbatim ? !s.spec.key.empty() : true));
    CHECK((s.chart.verbatim ? !s.chart.key.empty() : true));
  }
  CHECK(find_setting("NO_SUCH_SETTING") == nullptr);
  const Config c = defaults();
  CHECK(c.port == 8000);
  CHECK(c.idle_timeout == 60s);
}
