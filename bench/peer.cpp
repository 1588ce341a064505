// bench/peer.cpp — see peer.h.
#include "bench/peer.h"

#include <array>
#include <cstdio>

namespace mcseg {

Peer run_python_peer(const std::string& python, const std::string& script, const std::string& args,
                     const char* required_key) {
    Peer p;
    std::FILE* probe = std::fopen(script.c_str(), "r");
    if (!probe) {
        p.error = "peer script " + script + " not found (run from the repository root or pass --peer-script)";
        return p;
    }
    std::fclose(probe);
    const std::string cmd = "MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 " + python + " " +
                            script + " " + args + " 2>&1";
    std::FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) {
        p.error = "could not start " + python;
        return p;
    }
    std::string out;
    std::array<char, 4096> buf;
    while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
    const int status = pclose(pipe);
    const size_t brace = out.rfind("\n{");
    const std::string last = out.substr(brace == std::string::npos ? 0 : brace + 1);
    nlohmann::json j = nlohmann::json::parse(last, nullptr, false);
    if (status != 0 || j.is_discarded() || !j.contains(required_key)) {
        while (!out.empty() && out.back() == '\n') out.pop_back();
        const size_t nl = out.rfind('\n');
        p.error = "PyTorch peer failed (" + python + " with python3-torch needed): " +
                  (nl == std::string::npos ? out : out.substr(nl + 1));
        return p;
    }
    p.result = j;
    return p;
}

}  // namespace mcseg
