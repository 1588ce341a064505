// bench/options.h — the options the network benchmarks share (bench cpu, bench conv): the
// network's shape, and the PyTorch peer with its threads.
#pragma once
#include "apps/cli/args.h"
#include "nets/network.h"

namespace mcseg {

// --patch, --valid, --filters.
void add_net_options(Args& a);
NetConfig net_from_options(const Args& a);  // validated

// --python, --peer-script (default `script`), --threads, --no-peer.
void add_peer_options(Args& a, const char* script);
// --threads, also set as OpenMP's thread count.
int threads_from_options(const Args& a);

}  // namespace mcseg
