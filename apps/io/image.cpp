// apps/io/image.cpp — reading files, images by type and masks (see image.h; PNG decoding is
// png_read.cpp).
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/io/image.h"
#include "apps/io/dicom.h"
#include "engine/error.h"

namespace mcseg {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("'", path, "' is a folder, not a file");
    if (!std::filesystem::is_regular_file(path, ec)) fail("'", path, "': no such file");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) fail("'", path, "': cannot open for reading");
    std::vector<uint8_t> bytes(std::filesystem::file_size(path, ec));
    if (ec || std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
        fail("'", path, "': read error");
    return bytes;
}

std::string crc32_hex(const std::vector<uint8_t>& bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    // zlib takes uInt lengths: feed the buffer in pieces below 4 GiB.
    for (size_t off = 0; off < bytes.size(); off += (1u << 30)) {
        size_t n = std::min<size_t>(1u << 30, bytes.size() - off);
        crc = crc32(crc, bytes.data() + off, static_cast<uInt>(n));
    }
    char s[9];
    std::snprintf(s, sizeof s, "%08lx", static_cast<unsigned long>(crc));
    return s;
}

double checked_spacing_mm(double mm, const std::string& what) {
    if (!(mm > 0 && mm < 10)) fail(what, ": pixel spacing ", mm, " mm is not a plausible spacing (0 to 10 mm)");
    return mm;
}

GrayImage read_png_gray(const std::string& path) { return decode_png_gray(read_file_bytes(path), path); }

namespace {

bool is_dicom(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".dcm" || ext == ".dicom") return true;
    if (ext == ".png") return false;
    fail("'", path, "': unsupported image type '", ext, "' (expected .png or .dcm)");
}

}  // namespace

GrayImage read_image(const std::string& path) { return is_dicom(path) ? read_dicom(path) : read_png_gray(path); }

GrayImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path) {
    return is_dicom(path) ? read_dicom(path) : decode_png_gray(bytes, path);
}

std::vector<uint8_t> read_mask_png(const std::string& path, int width, int height, int* out_width,
                                   int* out_height) {
    GrayImage m = read_png_gray(path);
    if ((width || height) && (m.width != width || m.height != height))
        fail("mask '", path, "' is ", m.width, "x", m.height, " but its image is ", width, "x", height);
    if (out_width) *out_width = m.width;
    if (out_height) *out_height = m.height;
    std::vector<uint8_t> mask(m.pixels.size());
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = m.pixels[i] != 0;
    return mask;
}

}  // namespace mcseg
