// engine/error.h — the one exception type of the project and a helper to build its message.
//
// Every user-facing failure (bad shape, bad file, bad flag) throws mcseg::Error with a
// one-line message; the command line catches it, prints it and exits non-zero.
#pragma once
#include <exception>
#include <mutex>
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

// No exception may leave an OpenMP loop: each iteration catches (...) and record()s it with its
// index, and after the loop rethrow() throws the one of the lowest index unchanged — the error a
// serial loop would have stopped at, whatever the threads' timing — so an Error stays an Error
// and a bad_alloc reaches the command line's "out of memory".
class FirstError {
public:
    void record(long index) noexcept {
        std::lock_guard<std::mutex> lock(m_);
        if (!first_ || index < index_) first_ = std::current_exception(), index_ = index;
    }
    void rethrow() const {
        if (first_) std::rethrow_exception(first_);
    }

private:
    std::mutex m_;
    std::exception_ptr first_;
    long index_ = 0;
};

}  // namespace mcseg
