// apps/io/png_write.cpp — a minimal PNG encoder (8-bit gray, 16-bit gray, 8-bit RGB) on zlib.
//
// A PNG is a signature followed by chunks (length, type, data, CRC-32): IHDR with the size and
// format, IDAT holding one zlib stream of the filtered rows, IEND. Each row is prefixed with
// filter type 2 ("Up": byte minus the byte above), which turns smooth images into small numbers
// that deflate well and costs one subtraction per byte. 16-bit samples are stored big-endian as
// the format requires. The deflate stream is produced row by row and flushed into IDAT chunks
// of at most 1 MiB, so a 4095x5625 16-bit mammogram never needs a second full-size buffer.
// zlib level 1 (fastest): noisy 16-bit data barely compresses better at higher levels (+1 %).
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "apps/io/image.h"
#include "engine/error.h"

namespace mcseg {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

class PngWriter {
public:
    explicit PngWriter(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
        if (!f_) fail("cannot create '", path, "'");
        static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        put(sig, 8);
    }
    void chunk(const char type[4], const uint8_t* data, size_t n) {
        uint8_t len[4] = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
        put(len, 4);
        put(reinterpret_cast<const uint8_t*>(type), 4);
        if (n) put(data, n);
        uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(type), 4);
        if (n) crc = crc32(crc, data, static_cast<uInt>(n));
        uint8_t c[4] = {uint8_t(crc >> 24), uint8_t(crc >> 16), uint8_t(crc >> 8), uint8_t(crc)};
        put(c, 4);
    }
    void close() {
        if (std::fclose(f_.release()) != 0) fail("cannot write '", path_, "' (disk full?)");
    }

private:
    void put(const uint8_t* p, size_t n) {
        if (std::fwrite(p, 1, n, f_.get()) != n) fail("cannot write '", path_, "' (disk full?)");
    }
    std::string path_;
    std::unique_ptr<std::FILE, FileCloser> f_;
};

// row(y, out) fills the unfiltered bytes of row y (bytes_per_row of them).
template <typename RowFn>
void write_png(const std::string& path, int width, int height, int bit_depth, int color_type,
               size_t bytes_per_row, RowFn row) {
    if (width <= 0 || height <= 0) fail("cannot write '", path, "': empty image ", width, "x", height);
    PngWriter w(path);
    uint8_t ihdr[13] = {uint8_t(width >> 24), uint8_t(width >> 16), uint8_t(width >> 8), uint8_t(width),
                        uint8_t(height >> 24), uint8_t(height >> 16), uint8_t(height >> 8), uint8_t(height),
                        uint8_t(bit_depth), uint8_t(color_type), 0, 0, 0};
    w.chunk("IHDR", ihdr, 13);

    z_stream z{};
    if (deflateInit(&z, 1) != Z_OK) fail("zlib: deflateInit failed");
    std::vector<uint8_t> prev(bytes_per_row, 0), cur(bytes_per_row), filtered(bytes_per_row + 1);
    std::vector<uint8_t> out(1 << 20);
    auto drain = [&](int flush) {
        do {
            z.next_out = out.data();
            z.avail_out = static_cast<uInt>(out.size());
            int rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR) fail("zlib: deflate failed");
            size_t have = out.size() - z.avail_out;
            if (have) w.chunk("IDAT", out.data(), have);
        } while (z.avail_out == 0);
    };
    for (int y = 0; y < height; ++y) {
        row(y, cur.data());
        filtered[0] = 2;  // Up
        for (size_t i = 0; i < bytes_per_row; ++i) filtered[i + 1] = uint8_t(cur[i] - prev[i]);
        std::swap(prev, cur);
        z.next_in = filtered.data();
        z.avail_in = static_cast<uInt>(filtered.size());
        drain(Z_NO_FLUSH);
    }
    drain(Z_FINISH);
    deflateEnd(&z);
    w.chunk("IEND", nullptr, 0);
    w.close();
}

}  // namespace

void write_png_gray8(const std::string& path, int width, int height, const uint8_t* pixels) {
    write_png(path, width, height, 8, 0, size_t(width), [&](int y, uint8_t* out) {
        std::memcpy(out, pixels + size_t(y) * width, size_t(width));
    });
}

void write_png_gray16(const std::string& path, int width, int height, const uint16_t* pixels) {
    write_png(path, width, height, 16, 0, size_t(width) * 2, [&](int y, uint8_t* out) {
        const uint16_t* src = pixels + size_t(y) * width;
        for (int x = 0; x < width; ++x) {
            out[2 * x] = uint8_t(src[x] >> 8);
            out[2 * x + 1] = uint8_t(src[x]);
        }
    });
}

void write_png_rgb8(const std::string& path, int width, int height, const uint8_t* rgb) {
    write_png(path, width, height, 8, 2, size_t(width) * 3, [&](int y, uint8_t* out) {
        std::memcpy(out, rgb + size_t(y) * width * 3, size_t(width) * 3);
    });
}

}  // namespace mcseg
