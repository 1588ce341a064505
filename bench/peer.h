// bench/peer.h — running a benchmark's PyTorch peer (a Python script of bench/) and reading its
// result: the last line of its output that is a JSON object.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace mcseg {

struct Peer {
    nlohmann::json result;  // the peer's JSON object (when error is empty)
    std::string error;      // why there is no result
};

// Runs `python script args` from the current folder, with glibc told to keep freed buffers
// (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_: a tuned PyTorch process does not return
// its tensors' memory to the kernel between calls) and, inherited from mcseg's own environment,
// to back large allocations with huge pages (GLIBC_TUNABLES, apps/cli/main.cpp): the peer runs
// with every allocator setting ours has. The result must hold `required_key`.
Peer run_python_peer(const std::string& python, const std::string& script, const std::string& args,
                     const char* required_key);

}  // namespace mcseg
