// apps/draw — every picture mcseg writes: a small RGB canvas with text, line charts, segmentation
// and preview overlays, training curves. It may use imaging, io and the engine; it draws what
// it is given and computes no results.
//
// apps/draw/canvas.h — a tiny RGB raster for the pictures mcseg writes: training curves, previews,
// segmentation overlays. Lines, rectangles, outlines of masks and text (stb_easy_font glyphs,
// scaled by an integer factor), saved as an 8-bit RGB PNG.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mcseg {

struct Rgb {
    uint8_t r, g, b;
};

class Canvas {
public:
    Canvas(int width, int height, Rgb background = {255, 255, 255});
    int width() const { return w_; }
    int height() const { return h_; }

    void set(int x, int y, Rgb c);  // ignores pixels outside the canvas
    Rgb get(int x, int y) const;
    void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
    void rect(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);  // outline, inclusive corners
    void fill_rect(int x0, int y0, int x1, int y1, Rgb c);
    // Text with its top-left corner at (x, y); glyphs are stb_easy_font's, `scale` pixels per unit.
    void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
    static int text_width(const std::string& s, int scale = 1);
    // Paste a grayscale image (values 0..255), resampled nearest-neighbour into the box.
    void paste_gray(const std::vector<uint8_t>& gray, int gw, int gh, int x0, int y0, int w, int h);

    void save_png(const std::string& path) const;  // mcseg::Error on failure
    const std::vector<uint8_t>& pixels() const { return px_; }

private:
    int w_, h_;
    std::vector<uint8_t> px_;  // RGB, row-major
};

}  // namespace mcseg
