// engine/error.h — the one exception type of the project and a helper to build its message.
//
// Every user-facing failure (bad shape, bad file, bad flag) throws mcseg::Error with a
// one-line message; the command line catches it, prints it and exits non-zero.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace mcseg {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// cat("conv2d: expected ", 4, "-D input") -> one string, streamed piece by piece.
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::ostringstream s;
    (s << ... << parts);
    return s.str();
}

template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
    throw Error(cat(parts...));
}

}  // namespace mcseg
