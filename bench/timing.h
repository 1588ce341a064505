// bench/timing.h — how the benchmarks time a step: warm up once, then repeat until a window of
// seconds has passed (at least 3 times), and keep the fastest repetition. The development
// machines are shared; another process's burst of work only ever slows a repetition down, so
// the fastest one is the best estimate of the code's own speed. The mean over the window is
// kept beside it.
#pragma once
#include <algorithm>
#include <chrono>

namespace mcseg {

struct Rate {
    double best, mean;  // calls per second: of the fastest call, over the whole window
};

template <typename Fn>
Rate rate(Fn fn, double seconds) {
    fn();
    int iters = 0;
    double elapsed = 0, fastest = 1e300;
    while (iters < 3 || elapsed < seconds) {
        auto t0 = std::chrono::steady_clock::now();
        fn();
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fastest = std::min(fastest, t);
        elapsed += t;
        ++iters;
    }
    return {1.0 / fastest, iters / elapsed};
}

}  // namespace mcseg
