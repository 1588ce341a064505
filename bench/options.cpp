// bench/options.cpp — see options.h.
#include "bench/options.h"

#include <omp.h>

namespace mcseg {

void add_net_options(Args& a) {
    a.option("--patch", "N", "patch side", "49");
    a.flag("--valid", "valid instead of same convolutions");
    a.option("--filters", "F", "channels of every conv layer", "32");
}

NetConfig net_from_options(const Args& a) {
    NetConfig cfg;
    cfg.patch = static_cast<int>(a.get_int("--patch", 3, 4096));
    cfg.same = !a.get_flag("--valid");
    cfg.filters = static_cast<int>(a.get_int("--filters", 1, 4096));
    cfg.validate();
    return cfg;
}

void add_peer_options(Args& a, const char* script) {
    a.option("--python", "EXE", "Python with PyTorch for the peer", "/usr/bin/python3");
    a.option("--peer-script", "PATH", "the peer script", script);
    a.option("--threads", "T", "threads on both sides (OpenMP for ours, torch.set_num_threads for the peer)", "2");
    a.flag("--no-peer", "skip the PyTorch peer");
}

int threads_from_options(const Args& a) {
    const int threads = static_cast<int>(a.get_int("--threads", 1, 1024));
    omp_set_num_threads(threads);
    return threads;
}

}  // namespace mcseg
