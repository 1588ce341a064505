// tests/fuzz/fuzz_weights.cpp — a weights file (nets/weights.h load_network): safetensors whose
// metadata mcseg.net says which network the tensors fill, and mcseg.kind which one it is. The
// input is the whole file; the seeds are weights of a tiny network, so that mutations of its
// config and tensors are cheap to load. A rejected file is an mcseg::Error; any other exception
// or signal is a finding.
#include <cstdint>

#include "engine/error.h"
#include "nets/weights.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("weights.safetensors");
    try {
        const std::string& path = file.write(data, size);
        mcseg::Metadata meta;
        mcseg::Network net = mcseg::load_network(path, mcseg::Device::CPU, &meta);
        mcseg::network_kind(meta, path);
    } catch (const mcseg::Error&) {
    }
    return 0;
}
