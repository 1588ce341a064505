// apps/draw/canvas.cpp — see canvas.h.
#include "apps/draw/canvas.h"

#include <stb_easy_font.h>
// A private (static) copy of stb's PNG writer, so this file links whatever else uses stb.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace mcseg {

Canvas::Canvas(int width, int height, Rgb bg) : w_(width), h_(height) {
    if (width <= 0 || height <= 0) fail("canvas: bad size ", width, "x", height);
    px_.resize(size_t(width) * height * 3);
    for (size_t i = 0; i < px_.size(); i += 3) {
        px_[i] = bg.r;
        px_[i + 1] = bg.g;
        px_[i + 2] = bg.b;
    }
}

void Canvas::set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

Rgb Canvas::get(int x, int y) const {
    const uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
    return {p[0], p[1], p[2]};
}

// Walks the segment in unit steps along its longer axis and stamps a square of `thickness`.
void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
    double dx = x1 - x0, dy = y1 - y0;
    int steps = std::max(1, int(std::ceil(std::max(std::fabs(dx), std::fabs(dy)))));
    int lo = -(thickness - 1) / 2, hi = thickness / 2;
    for (int i = 0; i <= steps; ++i) {
        int x = int(std::lround(x0 + dx * i / steps)), y = int(std::lround(y0 + dy * i / steps));
        for (int oy = lo; oy <= hi; ++oy)
            for (int ox = lo; ox <= hi; ++ox) set(x + ox, y + oy, c);
    }
}

void Canvas::rect(int x0, int y0, int x1, int y1, Rgb c, int thickness) {
    for (int t = 0; t < thickness; ++t) {
        line(x0 - t, y0 - t, x1 + t, y0 - t, c);
        line(x0 - t, y1 + t, x1 + t, y1 + t, c);
        line(x0 - t, y0 - t, x0 - t, y1 + t, c);
        line(x1 + t, y0 - t, x1 + t, y1 + t, c);
    }
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = std::max(0, y0); y <= std::min(h_ - 1, y1); ++y)
        for (int x = std::max(0, x0); x <= std::min(w_ - 1, x1); ++x) set(x, y, c);
}

namespace {

// stb_easy_font knows the printable ASCII characters only and reads past its table for any other
// byte (a UTF-8 file name, say): those become '?'.
std::string printable(const std::string& s) {
    std::string out = s;
    for (char& ch : out)
        if (ch != '\n' && (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126)) ch = '?';
    return out;
}

}  // namespace

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
    // stb_easy_font emits axis-aligned quads (4 vertices of 16 bytes: x, y, z floats + rgba), at
    // most about a dozen per character ("1000" overflowed a 300-byte-per-character buffer).
    std::string copy = printable(s);
    std::vector<char> buf(copy.size() * 1024 + 64);
    int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, buf.data(), int(buf.size()));
    for (int q = 0; q < quads; ++q) {
        const float* v0 = reinterpret_cast<const float*>(buf.data() + q * 64);
        const float* v2 = reinterpret_cast<const float*>(buf.data() + q * 64 + 32);
        fill_rect(x + int(v0[0] * scale), y + int(v0[1] * scale), x + int(v2[0] * scale) - 1,
                  y + int(v2[1] * scale) - 1, c);
    }
}

int Canvas::text_width(const std::string& s, int scale) {
    std::string copy = printable(s);
    return stb_easy_font_width(copy.data()) * scale;
}

void Canvas::paste_gray(const std::vector<uint8_t>& gray, int gw, int gh, int x0, int y0, int w, int h) {
    for (int y = 0; y < h; ++y) {
        int sy = std::min(gh - 1, int((y + 0.5) * gh / h));
        for (int x = 0; x < w; ++x) {
            int sx = std::min(gw - 1, int((x + 0.5) * gw / w));
            uint8_t v = gray[size_t(sy) * gw + sx];
            set(x0 + x, y0 + y, {v, v, v});
        }
    }
}

void Canvas::save_png(const std::string& path) const {
    if (!stbi_write_png(path.c_str(), w_, h_, 3, px_.data(), w_ * 3))
        fail("cannot write PNG '", path, "'");
}

}  // namespace mcseg
