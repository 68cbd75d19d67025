// What a site owner's readers see, checked the same way on every backend: what lists show of an
// address under each EMAIL_VISIBILITY, and counts that equal list lengths.
#pragma once

#include <cstdint>
#include <string>

namespace comments::testing {

// printf '%s' 'alice.example@example.com' | sha256sum: the hash of kAliceAddress.
inline constexpr const char* kAliceHash =
    "80b6856c17f72c11c8470ea0281111871f41331eb4ecee1f9910ac4b7c4c7209";
inline constexpr const char* kAliceAddress = "Alice.Example@Example.COM";

// Posts two comments on content (one from kAliceAddress), lists it twice (read from storage,
// then from the cache) and checks each answer for `mode` (public, hash or hidden): the member it
// shows, and that hash and hidden never carry the address. Returns the list's ETag.
std::string check_email_visibility(std::uint16_t port, const std::string& mode,
                                   const std::string& content);

// With contents named prefix-a, prefix-b and prefix-none: counts, 0 for a content without
// comments, equality with list lengths (also from the list cache and after a new comment), and
// 400s for no content, a bad content id and more than 100 contents.
void check_counts(std::uint16_t port, const std::string& prefix);

}  // namespace comments::testing
