// engine/safetensors.cpp — safetensors reading (fully validated) and atomic writing; see
// engine/safetensors.h for the format.
#include "engine/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/error.h"

namespace mcseg {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this reader copies bytes as they are");

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit (100 MiB)

// Bytes per element of the dtypes the safetensors format defines; 0 for an unknown name.
size_t dtype_size(const std::string& d) {
    static const std::map<std::string, size_t> sizes{
        {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2},
        {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4}, {"F64", 8}, {"I64", 8}, {"U64", 8}};
    auto it = sizes.find(d);
    return it == sizes.end() ? 0 : it->second;
}

// Shapes mcseg tensors can take: rank 1..4, every dimension positive and within int.
bool fits_tensor(const std::vector<int64_t>& shape) {
    if (shape.empty() || shape.size() > 4) return false;
    for (int64_t d : shape)
        if (d <= 0 || d > INT32_MAX) return false;
    return true;
}

std::string shape_str64(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

void write_all(int fd, const void* data, size_t bytes, const std::string& tmp) {
    const char* p = static_cast<const char*>(data);
    while (bytes > 0) {
        ssize_t w = ::write(fd, p, bytes);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("cannot write ", tmp, ": ", std::strerror(errno));
        p += w;
        bytes -= static_cast<size_t>(w);
    }
}

}  // namespace

const Tensor& SafeTensorsFile::tensor(const std::string& name) const {
    auto it = entries.find(name);
    if (it == entries.end()) fail(path, ": no tensor named '", name, "'");
    if (it->second.dtype != "F32")
        fail(path, ": tensor '", name, "' has dtype ", it->second.dtype, ", expected F32");
    if (!it->second.tensor.defined())
        fail(path, ": tensor '", name, "' has shape ", shape_str64(it->second.shape),
             ", which mcseg tensors (rank 1..4, no empty dimension) cannot hold");
    return it->second.tensor;
}

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        if (name.empty() || name == "__metadata__")
            fail("save_safetensors: invalid tensor name '", name, "'");
        if (!names.insert(name).second) fail("save_safetensors: duplicate tensor name '", name, "'");
        if (!t.defined()) fail("save_safetensors: tensor '", name, "' is undefined");
        uint64_t bytes = t.numel() * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
    const uint64_t header_len = text.size();

    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmp_template = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    std::vector<char> tmp(tmp_template.begin(), tmp_template.end());
    tmp.push_back('\0');
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) fail("cannot create a temporary file in ", dir.string(), ": ", std::strerror(errno));
    std::string tmp_path(tmp.data());
    try {
        // mkstemp makes the file private (0600); give it the mode a plain create would (0666 & ~umask).
        mode_t mask = ::umask(0);
        ::umask(mask);
        if (::fchmod(fd, 0666 & ~mask) != 0) fail("cannot set the mode of ", tmp_path, ": ", std::strerror(errno));
        write_all(fd, &header_len, 8, tmp_path);
        write_all(fd, text.data(), text.size(), tmp_path);
        for (const auto& entry : tensors) {
            std::vector<float> host = entry.second.to_host();
            write_all(fd, host.data(), host.size() * sizeof(float), tmp_path);
        }
        if (::fsync(fd) != 0) fail("cannot fsync ", tmp_path, ": ", std::strerror(errno));
        if (::close(fd) != 0) {
            fd = -1;
            fail("cannot close ", tmp_path, ": ", std::strerror(errno));
        }
        fd = -1;
        if (::rename(tmp_path.c_str(), path.c_str()) != 0)
            fail("cannot rename ", tmp_path, " to ", path, ": ", std::strerror(errno));
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp_path.c_str());
        throw;
    }
    // Make the rename itself durable.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

SafeTensorsFile load_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open ", path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail("cannot read ", path);
    if (bytes.size() < 8) fail(path, ": not a safetensors file (", bytes.size(), " bytes, truncated?)");
    uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    if (header_len > kMaxHeader || header_len > bytes.size() - 8)
        fail(path, ": header length ", header_len, " exceeds the file (", bytes.size(),
             " bytes): truncated or not a safetensors file");
    // JSON keeps the last of duplicate keys; a file naming a tensor twice is refused instead.
    std::set<std::string> names;
    std::string duplicate;
    auto note_names = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1 && !names.insert(parsed.get<std::string>()).second)
            duplicate = parsed.get<std::string>();
        return true;
    };
    json header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len),
                              note_names, false);
    if (header.is_discarded()) fail(path, ": the header is not valid JSON");
    if (!header.is_object()) fail(path, ": the header is not a JSON object");
    if (!duplicate.empty()) fail(path, ": the header names '", duplicate, "' twice");

    SafeTensorsFile f;
    f.path = path;
    const char* data = bytes.data() + 8 + header_len;
    const uint64_t data_size = bytes.size() - 8 - header_len;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [begin, end) of each tensor's data
    for (const auto& [name, v] : header.items()) {
        if (name == "__metadata__") {
            if (!v.is_object()) fail(path, ": __metadata__ is not an object");
            for (const auto& [key, value] : v.items()) {
                if (!value.is_string()) fail(path, ": metadata '", key, "' is not a string");
                f.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        // (name = name: clang 14 cannot capture a structured binding implicitly)
        auto bad = [&, &name = name](const std::string& why) { fail(path, ": tensor '", name, "': ", why); };
        if (!v.is_object()) bad("entry is not an object");
        if (!v.contains("dtype") || !v["dtype"].is_string()) bad("missing dtype");
        if (!v.contains("shape") || !v["shape"].is_array()) bad("missing shape");
        if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2 ||
            !v["data_offsets"][0].is_number_unsigned() || !v["data_offsets"][1].is_number_unsigned())
            bad("data_offsets must be [begin, end]");
        SafeTensorsFile::Entry e;
        e.dtype = v["dtype"].get<std::string>();
        const size_t esize = dtype_size(e.dtype);
        if (esize == 0) bad("unknown dtype " + e.dtype);
        uint64_t count = 1;
        for (const json& d : v["shape"]) {
            if (!d.is_number_unsigned()) bad("shape entries must be non-negative integers");
            uint64_t dim = d.get<uint64_t>();
            if (dim > (1ull << 40) || (dim && count > (1ull << 40) / dim)) bad("shape is absurdly large");
            count *= dim;
            e.shape.push_back(static_cast<int64_t>(dim));
        }
        const uint64_t begin = v["data_offsets"][0].get<uint64_t>(), end = v["data_offsets"][1].get<uint64_t>();
        if (begin > end || end > data_size)
            bad(cat("data_offsets [", begin, ", ", end, "] fall outside the ", data_size,
                    " data bytes (truncated file?)"));
        if (end - begin != count * esize)
            bad(cat("shape ", shape_str64(e.shape), " of ", e.dtype, " needs ", count * esize,
                    " bytes, data_offsets give ", end - begin));
        if (e.dtype == "F32" && fits_tensor(e.shape)) {
            std::vector<int> shape(e.shape.begin(), e.shape.end());
            std::vector<float> values(count);
            std::memcpy(values.data(), data + begin, count * sizeof(float));
            e.tensor = Tensor::from_host(shape, values);
        }
        if (end > begin) ranges.emplace_back(begin, end);
        f.entries.emplace(name, std::move(e));
    }
    // Each byte belongs to one tensor: overlapping ranges would alias two tensors' values.
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second)
            fail(path, ": two tensors share the data bytes [", ranges[i].first, ", ",
                 std::min(ranges[i].second, ranges[i - 1].second), ")");
    return f;
}

void load_into(const SafeTensorsFile& f, const std::vector<std::pair<std::string, Tensor*>>& dst,
               bool allow_extra) {
    // Check everything first, so a failed load leaves the destination untouched.
    std::set<std::string> wanted;
    for (const auto& [name, t] : dst) {
        wanted.insert(name);
        auto it = f.entries.find(name);
        if (it == f.entries.end()) fail(f.path, ": missing tensor '", name, "'");
        const auto& e = it->second;
        if (e.dtype != "F32") fail(f.path, ": tensor '", name, "' has dtype ", e.dtype, ", expected F32");
        std::vector<int64_t> expected(t->shape().begin(), t->shape().end());
        if (e.shape != expected)
            fail(f.path, ": tensor '", name, "' has shape ", shape_str64(e.shape), ", expected ",
                 shape_str(t->shape()));
    }
    if (!allow_extra)
        for (const auto& entry : f.entries)
            if (!wanted.count(entry.first)) fail(f.path, ": unexpected tensor '", entry.first, "'");
    for (const auto& [name, t] : dst) {
        std::vector<float> host = f.entries.at(name).tensor.to_host();
        t->backend().copy_from_host(t->data(), host.data(), host.size() * sizeof(float));
    }
}

}  // namespace mcseg
