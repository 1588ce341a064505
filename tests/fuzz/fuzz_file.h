// tests/fuzz/fuzz_file.h — for harnesses whose parser reads a file, not bytes in memory: the
// fuzzer's input written to one temporary file of this process, rewritten for every input and
// removed when the fuzzer exits normally.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace mcseg::fuzz {

class FuzzFile {
public:
    // name: the file name the parser expects (e.g. "input.dcm"), in a folder of this process.
    explicit FuzzFile(const std::string& name)
        : dir_(std::filesystem::temp_directory_path() / ("mcseg-fuzz-" + std::to_string(getpid()))),
          path_((dir_ / name).string()) {
        std::filesystem::create_directories(dir_);
    }
    ~FuzzFile() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    // Replaces the file's content with the input; returns its path.
    const std::string& write(const uint8_t* data, size_t size) {
        std::ofstream(path_, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
        return path_;
    }

private:
    std::filesystem::path dir_;
    std::string path_;
};

}  // namespace mcseg::fuzz
