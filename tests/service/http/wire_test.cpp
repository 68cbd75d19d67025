// Unit tests of the response's wire bytes: exactly what Beast's serializer writes for the same
// response, for every shape of answer the service sends.
#include "service/http/wire.hpp"

#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <sstream>

namespace bhttp = boost::beast::http;
using comments::api::Response;

namespace {

std::string beast_bytes(const Response& res) {
  std::ostringstream out;
  out << res;  // Beast's serializer
  return out.str();
}

std::string our_bytes(const Response& res) {
  std::string out = "left over from an earlier answer";
  comments::http::serialize(res, out);
  return out;
}

}  // namespace

TEST_CASE("answers are laid out on the wire byte for byte as Beast lays them out") {
  Response ok{bhttp::status::ok, 11};
  ok.set(bhttp::field::content_type, "application/json");
  ok.set(bhttp::field::etag, "\"abc\"");
  ok.set("X-Request-Id", "r-1");
  ok.body() = R"([{"id":1}])";
  ok.keep_alive(true);
  ok.prepare_payload();

  Response head = ok;  // a HEAD answer: the GET's Content-Length, no body
  head.body().clear();

  Response not_modified{bhttp::status::not_modified, 11};
  not_modified.set(bhttp::field::etag, "\"abc\"");
  not_modified.set(bhttp::field::cache_control, "no-cache");

  Response old{bhttp::status::service_unavailable, 10};  // HTTP/1.0, closing
  old.set(bhttp::field::retry_after, "1");
  old.body() = "{}";
  old.keep_alive(false);
  old.prepare_payload();

  Response reason{bhttp::status::ok, 11};  // a reason phrase of its own
  reason.reason("Fine");
  reason.prepare_payload();

  Response unknown{bhttp::status::ok, 11};  // a code Beast has no reason for
  unknown.result(599);
  unknown.prepare_payload();

  for (const auto* res : {&ok, &head, &not_modified, &old, &reason, &unknown}) {
    REQUIRE(comments::http::serializable(*res));
    CHECK(our_bytes(*res) == beast_bytes(*res));
  }
  CHECK(our_bytes(ok).starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"));
  CHECK(our_bytes(ok).ends_with("\r\n\r\n[{\"id\":1}]"));
}

TEST_CASE("a chunked answer is left to Beast") {
  Response res{bhttp::status::ok, 11};
  res.chunked(true);
  CHECK_FALSE(comments::http::serializable(res));
}
