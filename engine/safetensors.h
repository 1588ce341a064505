// engine/safetensors.h — reading and writing the safetensors format (Hugging Face), so weights
// move between mcseg and PyTorch.
//
// Layout: an 8-byte little-endian header length L, then L bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// (padded with spaces to a multiple of 8), then the raw little-endian tensor bytes; offsets are
// relative to the end of the header. mcseg writes F32 only; reading accepts any standard dtype in
// the header but materialises F32 tensors only (others are reported when used).
//
// Writes are atomic: a temporary file in the destination's folder, fsync, rename. Reading checks
// everything (header length, JSON, dtypes, shapes, offsets inside the file, byte counts) and
// reports problems as mcseg::Error naming the file — never a crash on a bad file.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace mcseg {

struct SafeTensorsFile {
    struct Entry {
        std::string dtype;            // "F32", "F16", ...
        std::vector<int64_t> shape;
        Tensor tensor;                // CPU; undefined unless dtype is F32
    };
    std::string path;
    std::map<std::string, Entry> entries;
    std::map<std::string, std::string> metadata;

    bool contains(const std::string& name) const { return entries.count(name) != 0; }
    // The F32 tensor `name`; mcseg::Error when absent or of another dtype.
    const Tensor& tensor(const std::string& name) const;
};

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

SafeTensorsFile load_safetensors(const std::string& path);

// Copies the file's tensors into existing tensors (e.g. Network::state()), in place, so handles
// held elsewhere (optimisers) stay valid. Checks, in the order of `dst`, that each name is
// present with dtype F32 and the same shape; the first mismatch is reported as mcseg::Error.
// Unless allow_extra, a tensor in the file that `dst` does not name is an error too.
void load_into(const SafeTensorsFile& f, const std::vector<std::pair<std::string, Tensor*>>& dst,
               bool allow_extra = false);

}  // namespace mcseg
