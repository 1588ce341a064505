// apps/io/png_read.cpp — decoding grayscale PNGs with libpng, checked before memory is taken.
//
// libpng verifies every chunk's CRC and the zlib stream, and names what is wrong. It reports
// errors by longjmp, so the decoding runs inside one C-style function (no C++ object with a
// destructor lives across the setjmp) that leaves its message in a buffer for us to throw.
// Before the pixels are allocated, the header's size is checked against a stated maximum
// (65535 a side) and against what the file can hold: deflate expands at most 1032:1, so a
// 100000 x 100000 header in a 2 KB file is refused at once.
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "apps/io/image.h"
#include "engine/error.h"

namespace mcseg {
namespace {

constexpr png_uint_32 kMaxSide = 65535;
constexpr double kMaxDeflateRatio = 1032;

struct Source {
    const uint8_t* data;
    size_t size, at;
};

struct Decode {
    Source src{};
    char error[256] = {0};
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = -1;
    std::vector<uint8_t> raw;         // the rows as libpng gives them (16-bit: little-endian)
    std::vector<png_bytep> rows;      // pointers into raw
};

void on_error(png_structp png, png_const_charp msg) {
    auto* d = static_cast<Decode*>(png_get_error_ptr(png));
    std::snprintf(d->error, sizeof d->error, "%s", msg);
    png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // warnings (e.g. an unknown ancillary chunk) are not errors

void read_bytes(png_structp png, png_bytep out, png_size_t n) {
    auto* d = static_cast<Decode*>(png_get_io_ptr(png));
    if (n > d->src.size - d->src.at) png_error(png, "file ends early (truncated)");
    std::memcpy(out, d->src.data + d->src.at, n);
    d->src.at += n;
}

// Why a grayscale header is refused before its pixels are allocated, or nullptr.
const char* refuse_header(const Decode& d) {
    if (d.width > kMaxSide || d.height > kMaxSide) return "larger than 65535 pixels a side";
    const double raw = double(d.height) * (double(d.width) * (d.bit_depth == 16 ? 2 : 1) + 1);
    if (raw > kMaxDeflateRatio * double(d.src.size) + 65536) return "its header claims more pixels than the file can hold";
    return nullptr;
}

// The reading from the header to the end, between setjmp and return: no C++ object is created
// in this frame (d, owned by the caller, holds the buffers). False with d.error set on failure;
// false with d.error empty for a non-grayscale image.
bool decode(Decode& d) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        std::snprintf(d.error, sizeof d.error, "out of memory");
        return false;
    }
    bool ok = false;
    if (setjmp(png_jmpbuf(png)) == 0) {
        png_set_read_fn(png, &d, read_bytes);
        png_set_user_limits(png, kMaxSide, kMaxSide);
        png_read_info(png, info);
        d.width = png_get_image_width(png, info);
        d.height = png_get_image_height(png, info);
        d.bit_depth = png_get_bit_depth(png, info);
        d.color_type = png_get_color_type(png, info);
        const char* refused = d.color_type == PNG_COLOR_TYPE_GRAY ? refuse_header(d) : nullptr;
        if (refused) std::snprintf(d.error, sizeof d.error, "%s", refused);
        if (d.color_type == PNG_COLOR_TYPE_GRAY && !refused) {
            if (d.bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
            if (d.bit_depth == 16) png_set_swap(png);  // PNG stores 16-bit samples big-endian
            png_set_interlace_handling(png);
            png_read_update_info(png, info);
            const size_t row_bytes = png_get_rowbytes(png, info);
            d.raw.resize(row_bytes * d.height);
            d.rows.resize(d.height);
            for (png_uint_32 y = 0; y < d.height; ++y) d.rows[y] = d.raw.data() + row_bytes * y;
            png_read_image(png, d.rows.data());
            png_read_end(png, nullptr);
            ok = true;
        }
    }
    png_destroy_read_struct(&png, &info, nullptr);
    return ok;
}

}  // namespace

GrayImage decode_png_gray(const std::vector<uint8_t>& bytes, const std::string& name) {
    if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0) fail("'", name, "': not a PNG file");
    Decode d;
    d.src = {bytes.data(), bytes.size(), 0};
    if (!decode(d)) {
        if (d.error[0]) fail("'", name, "': corrupt PNG (", d.error, ")");
        fail("'", name, "': ", d.color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? "grayscale+alpha" : "colour",
             " PNG; a single-channel grayscale PNG is required");
    }
    GrayImage img;
    img.width = int(d.width);
    img.height = int(d.height);
    img.bit_depth = d.bit_depth == 16 ? 16 : 8;
    img.pixels.resize(size_t(d.width) * d.height);
    if (img.bit_depth == 16)
        std::memcpy(img.pixels.data(), d.raw.data(), img.pixels.size() * 2);
    else
        std::copy(d.raw.begin(), d.raw.end(), img.pixels.begin());
    return img;
}

}  // namespace mcseg
