// tests/fuzz/fuzz_net_config.cpp — a network config (nets/network.h NetConfig::from_json), the
// JSON every weights file carries as its mcseg.net metadata. The input is that JSON text. A
// rejected config is an mcseg::Error. A config it accepts must survive the round trip a saved
// network makes (to_json, then from_json) with the same meaning: an Error there escapes, and like
// any other exception or signal it is a finding.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/error.h"
#include "nets/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mcseg::NetConfig c;
    try {
        c = mcseg::NetConfig::from_json(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const mcseg::Error&) {
        return 0;
    }
    const mcseg::NetConfig back = mcseg::NetConfig::from_json(c.to_json());
    if (back.to_json() != c.to_json()) std::abort();
    return 0;
}
